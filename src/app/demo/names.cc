#include "app/demo/names.h"

#include <array>

namespace civicgrid::app::demo {
namespace {

using K = UnitKind;

constexpr std::array<StreetSpec, 5> kStreets = {{
    {"固安镇", "固安镇党委", 10},
    {"新城街道", "新城街道党工委", 7},
    {"工业区", "工业区党工委", 6},
    {"新兴产业示范区", "新兴产业示范区党工委", 5},
    {"温泉园区", "温泉园区党工委", 4},
}};

constexpr std::array<std::string_view, 32> kCommunities = {
    // 固安镇 (东方街北社区 is named in the seed document)
    "东方街北社区", "东方街南社区", "新昌街社区", "永定路社区", "西关社区", "北关社区", "南关社区",
    "文化街社区", "育才路社区", "迎宾路社区",
    // 新城街道
    "锦绣社区", "和平街社区", "幸福里社区", "政府街社区", "新华路社区", "裕华路社区", "朝阳社区",
    // 工业区
    "兴业路社区", "创业路社区", "工业园社区", "京开路社区", "永兴社区", "祥和社区",
    // 新兴产业示范区
    "科创社区", "智谷社区", "大湖社区", "金街社区", "云汇社区",
    // 温泉园区
    "温泉社区", "清泉社区", "永定河社区", "牛驼社区"};

constexpr std::array<UnitSpec, 64> kUnits = {{
    {"县委办公室", K::kGovernment},
    {"县政府办公室", K::kGovernment},
    {"县委组织部", K::kGovernment},
    {"县委宣传部", K::kGovernment},
    {"县委统战部", K::kGovernment},
    {"县委政法委", K::kGovernment},
    {"县委社会工作部", K::kGovernment},
    {"县纪委监委", K::kGovernment},
    {"县住建局", K::kGovernment},
    {"县城管局", K::kGovernment},
    {"县卫健局", K::kGovernment},
    {"县教育局", K::kGovernment},
    {"县民政局", K::kGovernment},
    {"县人社局", K::kGovernment},
    {"县财政局", K::kGovernment},
    {"县公安局", K::kGovernment},
    {"县市场监管局", K::kGovernment},
    {"县自然资源和规划局", K::kGovernment},
    {"县交通运输局", K::kGovernment},
    {"县水务局", K::kGovernment},
    {"县应急管理局", K::kGovernment},
    {"县司法局", K::kGovernment},
    {"县退役军人事务局", K::kGovernment},
    {"县医保局", K::kGovernment},
    {"县文化广电和旅游局", K::kGovernment},
    {"县发改局", K::kGovernment},
    {"县审计局", K::kGovernment},
    {"县统计局", K::kGovernment},
    {"县商务局", K::kGovernment},
    {"县农业农村局", K::kGovernment},
    {"县行政审批局", K::kGovernment},
    {"县信访局", K::kGovernment},
    {"县总工会", K::kGovernment},
    {"团县委", K::kGovernment},
    {"县妇联", K::kGovernment},
    {"县残联", K::kGovernment},
    {"县人民医院", K::kPublicInstitution},
    {"县中医院", K::kPublicInstitution},
    {"县妇幼保健院", K::kPublicInstitution},
    {"县第一中学", K::kPublicInstitution},
    {"县第二中学", K::kPublicInstitution},
    {"县实验小学", K::kPublicInstitution},
    {"县职教中心", K::kPublicInstitution},
    {"县融媒体中心", K::kPublicInstitution},
    {"国网固安县供电公司", K::kEnterprise},
    {"固安县自来水公司", K::kEnterprise},
    {"固安县燃气公司", K::kEnterprise},
    {"中国移动固安分公司", K::kEnterprise},
    {"中国联通固安分公司", K::kEnterprise},
    {"中国电信固安分公司", K::kEnterprise},
    {"固安农商银行", K::kEnterprise},
    {"中国邮政固安县分公司", K::kEnterprise},
    {"固安安居物业服务有限公司", K::kPropertyCompany},
    {"固安永盛物业服务有限公司", K::kPropertyCompany},
    {"固安恒泰物业管理有限公司", K::kPropertyCompany},
    {"固安和顺物业服务有限公司", K::kPropertyCompany},
    {"固安金穗物业服务有限公司", K::kPropertyCompany},
    {"固安锦华物业管理有限公司", K::kPropertyCompany},
    {"固安康馨物业服务有限公司", K::kPropertyCompany},
    {"固安瑞祥物业服务有限公司", K::kPropertyCompany},
    {"固安县志愿者协会", K::kSocialOrganisation},
    {"固安县慈善协会", K::kSocialOrganisation},
    {"固安县乐龄社会工作服务中心", K::kSocialOrganisation},
    {"固安县老年人协会", K::kSocialOrganisation},
}};

constexpr std::array<std::string_view, 64> kCompoundStems = {
    "幸福", "和谐", "阳光", "金色", "翡翠", "锦华", "康乐", "丽景", "怡和", "富康", "华庭",
    "书香", "滨河", "紫荆", "安居", "润泽", "新华", "永定", "兴隆", "馨悦", "明珠", "御景",
    "碧水", "绿洲", "盛世", "泰和", "福润", "嘉禾", "瑞景", "金穗", "春晖", "秀水", "文华",
    "鸿福", "朗润", "宏远", "东润", "西苑", "南湖", "北辰", "祥云", "锦程", "观澜", "枫林",
    "梧桐", "海棠", "玉兰", "丁香", "百合", "清和", "学府", "世纪", "龙泉", "凤凰", "天润",
    "恒盛", "万和", "千禧", "百福", "九如", "三和", "永乐", "长安", "天河"};

constexpr std::array<std::string_view, 8> kCompoundSuffixes = {"家园", "小区", "花园", "苑",
                                                               "嘉园", "公寓", "新村", "名苑"};

constexpr std::array<std::string_view, 32> kBackStreets = {
    "槐树胡同",   "柳树巷",   "枣树胡同", "榆树巷", "井儿胡同", "仓房巷", "磨坊胡同",   "染坊巷",
    "油坊胡同",   "铁匠巷",   "马市胡同", "鼓楼巷", "钟楼胡同", "文庙巷", "城隍庙胡同", "药王庙巷",
    "火神庙胡同", "关帝庙巷", "书院胡同", "当铺巷", "粮店胡同", "花园巷", "菜园胡同",   "石板巷",
    "砖塔胡同",   "龙王庙巷", "草场胡同", "牛市巷", "羊市胡同", "米市巷", "布市胡同",   "银匠巷"};

constexpr std::array<std::string_view, 16> kRoads = {
    "新昌街", "东方街", "永定路", "迎宾路", "育才路", "京开路",   "和平街", "政府街",
    "新华路", "裕华路", "兴业路", "创业路", "文化街", "锦绣大道", "大湖路", "温泉路"};

constexpr std::array<std::string_view, 16> kSkills = {
    "维修",     "医疗", "法律", "教育",   "心理疏导", "电工", "理发",     "助老",
    "政策宣讲", "文艺", "摄影", "计算机", "家政",     "调解", "管道疏通", "驾驶"};

constexpr std::array<std::string_view, 10> kFacilities = {
    "党群会客厅", "暖新驿站",   "老年食堂",   "日间照料站",   "青年创客空间",
    "四点半课堂", "图书阅览室", "文体活动室", "便民服务大厅", "心理咨询室"};

struct Surname {
  std::string_view name;
  int weight;  // roughly per 10,000 people, leaning to North China
};

constexpr std::array<Surname, 60> kSurnames = {{
    {"王", 710}, {"李", 700}, {"张", 650}, {"刘", 530}, {"陈", 450}, {"杨", 310}, {"赵", 300},
    {"黄", 210}, {"周", 190}, {"吴", 190}, {"孙", 200}, {"徐", 160}, {"马", 150}, {"高", 150},
    {"郭", 150}, {"朱", 130}, {"胡", 120}, {"何", 110}, {"林", 100}, {"罗", 90},  {"郑", 90},
    {"梁", 80},  {"谢", 70},  {"宋", 70},  {"唐", 60},  {"许", 60},  {"韩", 60},  {"冯", 60},
    {"邓", 60},  {"曹", 50},  {"彭", 50},  {"田", 50},  {"董", 50},  {"肖", 50},  {"袁", 40},
    {"于", 40},  {"蒋", 40},  {"蔡", 40},  {"杜", 40},  {"程", 40},  {"苏", 40},  {"魏", 40},
    {"吕", 40},  {"丁", 40},  {"任", 40},  {"沈", 40},  {"姚", 30},  {"卢", 30},  {"姜", 30},
    {"崔", 30},  {"贾", 30},  {"石", 30},  {"孟", 30},  {"付", 30},  {"范", 30},  {"金", 30},
    {"白", 20},  {"郝", 20},  {"闫", 20},  {"史", 20},
}};

constexpr std::array<std::string_view, 56> kMaleChars = {
    "伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "鹏", "华",
    "飞", "鑫", "波", "斌", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙",
    "林", "阳", "峰", "建", "国", "志", "海", "东", "文", "亮", "成", "永", "庆", "德",
    "振", "兴", "立", "新", "博", "晨", "昊", "泽", "轩", "睿", "子", "一", "嘉", "金"};

constexpr std::array<std::string_view, 48> kFemaleChars = {
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲", "桂", "英", "慧", "婷", "雪", "琳",
    "洁", "燕", "红", "颖", "倩", "萍", "晶", "月", "欣", "怡", "佳", "梅", "兰", "莉", "凤", "丹",
    "琴", "云", "璐", "瑶", "雅", "思", "涵", "萱", "梓", "诗", "悦", "馨", "淑", "玉", "春", "蕾"};

constexpr std::array<std::string_view, 10> kDigits = {"",   "一", "二", "三", "四",
                                                      "五", "六", "七", "八", "九"};

constexpr double kSingleCharGivenName = 0.2;

template <size_t N>
std::string_view Draw(Rng& rng, const std::array<std::string_view, N>& pool) {
  return pool[static_cast<size_t>(rng.Below(static_cast<int>(N)))];
}

}  // namespace

std::span<const StreetSpec> GuanStreets() { return kStreets; }
std::span<const std::string_view> GuanCommunityNames() { return kCommunities; }
std::span<const UnitSpec> GuanUnits() { return kUnits; }
std::span<const std::string_view> CompoundStems() { return kCompoundStems; }
std::span<const std::string_view> CompoundSuffixes() { return kCompoundSuffixes; }
std::span<const std::string_view> BackStreetNames() { return kBackStreets; }
std::span<const std::string_view> RoadNames() { return kRoads; }
std::span<const std::string_view> Skills() { return kSkills; }
std::span<const std::string_view> Facilities() { return kFacilities; }

std::string ChineseNumber(int n) {
  const auto tens = static_cast<size_t>(n / 10);
  const auto ones = static_cast<size_t>(n % 10);
  std::string out;
  if (tens > 1) out += kDigits[tens];
  if (tens > 0) out += "十";
  out += kDigits[ones];
  return out;
}

std::string_view DrawSurname(Rng& rng) {
  static constexpr auto kWeights = [] {
    std::array<int, kSurnames.size()> w{};
    for (size_t i = 0; i < kSurnames.size(); ++i) w[i] = kSurnames[i].weight;
    return w;
  }();
  return kSurnames[static_cast<size_t>(rng.Weighted(kWeights))].name;
}

std::string PersonName(Rng& rng, char sex) {
  // Two statements: the order in which operands of + are evaluated is
  // unspecified, and the draws must come in a fixed order.
  std::string name(DrawSurname(rng));
  name += GivenName(rng, sex);
  return name;
}

std::string GivenName(Rng& rng, char sex) {
  std::string name;
  auto draw = [&] { return sex == 'M' ? Draw(rng, kMaleChars) : Draw(rng, kFemaleChars); };
  const std::string_view first = draw();
  name += first;
  if (rng.Chance(kSingleCharGivenName)) return name;
  std::string_view second = draw();
  while (second == first) second = draw();
  name += second;
  return name;
}

}  // namespace civicgrid::app::demo
