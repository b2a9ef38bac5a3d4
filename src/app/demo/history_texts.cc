#include "app/demo/history_texts.h"

#include <array>

namespace civicgrid::app::demo {
namespace {

struct CategoryText {
  std::string_view code;
  std::array<std::string_view, 3> descriptions;
  std::string_view resolve_note;
};

// clang-format off
constexpr std::array<CategoryText, 48> kTexts = {{
    {"E01.01", {"{place}路边垃圾堆放两天了没人清运，天热味道很大。",
                "{place}垃圾桶旁边散落很多生活垃圾，请尽快清理。",
                "{place}绿化带里有人乱倒垃圾。"}, "已安排保洁人员清运，现场已清理干净。"},
    {"E01.02", {"{place}堆了一大堆建筑渣土，一直没人拉走。",
                "{place}装修垃圾和渣土堆在楼门口，影响通行。",
                "{place}空地上积存垃圾渣土，刮风时尘土飞扬。"}, "积存渣土已清运完毕，已告知装修户按规定投放。"},
    {"E01.03", {"{place}路面油污和泥土很多，下雨后特别滑。",
                "{place}路段有撒漏的泥土，车过尘土很大。",
                "{place}路面落叶和垃圾很多，多日未清扫。"}, "已安排清扫冲洗，路面恢复整洁。"},
    {"E01.04", {"{place}附近排水渠水面漂浮垃圾，有异味。",
                "{place}旁边的水沟发黑发臭，还有很多蚊虫。",
                "{place}景观水池里漂着塑料袋和落叶。"}, "水务部门已打捞清理水面漂浮物并疏通沟渠。"},
    {"E01.05", {"{place}有人焚烧树叶，烟很大。",
                "{place}空地上有人烧垃圾，气味刺鼻。",
                "{place}附近有人焚烧杂物，请尽快制止。"}, "已到场扑灭余火并劝导当事人，现场已清理。"},
    {"E02.01", {"{place}楼道和单元门上贴满了小广告。",
                "{place}电线杆上到处是开锁、办证的小广告。",
                "{place}墙上被喷涂了小广告电话号码。"}, "小广告已全部清除，墙面已覆盖处理。"},
    {"E02.02", {"{place}新装的门头广告牌太大，有安全隐患。",
                "{place}临街商铺在人行道上摆放广告牌。",
                "{place}有一块户外广告牌破损歪斜，担心掉下来。"}, "城管部门已责令商户整改，违规广告牌已拆除。"},
    {"E03.01", {"{place}工地晚上十点以后还在施工，噪音太大。",
                "{place}工地一大早就开始打桩，影响休息。",
                "{place}附近夜间施工，机器声音很吵。"}, "已约谈施工单位，夜间停止高噪声作业，办理夜间施工许可前不得夜间施工。"},
    {"E03.02", {"{place}施工围挡占了大半条路，车过不去。",
                "{place}施工材料堆在路上，没有警示标志。",
                "{place}挖开的路面一直没有恢复，行人只能绕行。"}, "施工单位已收回围挡、清理材料并设置警示标志。"},
    {"E03.03", {"{place}有人在楼顶加盖房子。",
                "{place}一楼住户私自扩建院墙占用公共绿地。",
                "{place}小区空地上新盖了一间彩钢房。"}, "经核查属违法建设，已下达限期拆除通知并拆除完毕。"},
    {"E04.01", {"{place}路面塌了一个坑，很危险。",
                "{place}路边人行道塌陷，请尽快处理。",
                "{place}雨后路面出现塌陷，车辆无法通行。"}, "已设置围挡警示并完成塌陷路面回填修复。"},
    {"E04.02", {"{place}地下水管爆了，水一直往外冒。",
                "{place}供水管道漏水，路面全是水。",
                "{place}水管破裂，整栋楼停水了。"}, "已关阀抢修，破裂管道已更换，恢复正常供水。"},
    {"E04.03", {"{place}闻到很重的燃气味，担心泄漏。",
                "{place}楼道里有煤气味，请马上来看看。",
                "{place}燃气管道接口处有嘶嘶的声音。"}, "燃气公司已到场检测并更换漏气接口，已确认无泄漏。"},
    {"E04.04", {"{place}下水道堵了，污水冒到路面上。",
                "{place}化粪池满溢，臭味很大。",
                "{place}雨水井堵塞，一下雨就积水。"}, "已疏通管道并清掏污物，排水恢复正常。"},
    {"E04.05", {"{place}路口积水很深，车辆行人都过不去。",
                "{place}下雨后小区门口积水到小腿。",
                "{place}涵洞积水，有车辆熄火。"}, "已开启排水泵站抽排积水，道路恢复通行。"},
    {"E05.01", {"{place}路口有流动摊贩占道经营。",
                "{place}早上有很多游商摆摊卖菜，堵住了路。",
                "{place}学校门口有无照流动摊点。"}, "已劝离游商，引导到便民市场规范经营。"},
    {"E05.02", {"{place}商铺把货物摆到人行道上。",
                "{place}餐馆在门外摆桌子，占用人行道。",
                "{place}修车铺在路边修车，油污满地。"}, "已责令商户退店经营，恢复人行道通行。"},
    {"E05.03", {"{place}有车长期停在消防通道上。",
                "{place}车辆乱停，堵住了单元门口。",
                "{place}路边车辆双排停放，公交车过不去。"}, "已联系车主挪车，并在通道处设置禁停标识。"},
    {"E05.04", {"{place}广场舞音响声音太大，晚上九点还不停。",
                "{place}楼下商铺高音喇叭叫卖，吵得不行。",
                "{place}楼上住户夜里噪音很大。"}, "已上门沟通劝导，音量已降低并约定活动时间。"},
    {"E05.05", {"{place}有人在绿地上私搭乱建棚子。",
                "{place}楼下有住户私自圈占公共空间搭建储物间。",
                "{place}有人在楼道口私搭雨棚。"}, "已劝导当事人自行拆除私搭乱建，现场已恢复。"},
    {"E99.01", {"{place}有一处问题需要社区帮忙看看。",
                "{place}附近有安全隐患，请派人查看。",
                "{place}的情况反映过多次，希望尽快解决。"}, "已现场核实并处置完毕。"},
    {"C01.01", {"{place}井盖丢了，晚上很危险。",
                "{place}井盖破损下陷，车轧过去响声很大。",
                "{place}雨水井盖缺失，已经有人差点掉下去。"}, "已设置警示并更换新井盖。"},
    {"C01.02", {"{place}楼道里的灭火器过期了。",
                "{place}消火栓箱门损坏，里面的水带不见了。",
                "{place}应急照明灯不亮，安全出口指示牌掉了。"}, "已更换灭火器并修复消防设施。"},
    {"C01.03", {"{place}配电箱门开着，电线裸露。",
                "{place}变压器附近有异响，还冒火花。",
                "{place}路边电线杆倾斜，电线垂得很低。"}, "供电部门已到场抢修，隐患已排除。"},
    {"C02.01", {"{place}路灯不亮好几天了，晚上太黑。",
                "{place}一排路灯都坏了，老人晚上出门不安全。",
                "{place}路灯白天亮着晚上反而不亮。"}, "已更换灯具并检修线路，路灯恢复照明。"},
    {"C02.02", {"{place}红绿灯坏了，路口很乱。",
                "{place}交通信号灯倒计时不显示。",
                "{place}路口的交通标志牌被撞歪了。"}, "交警部门已修复信号设施。"},
    {"C02.03", {"{place}路面坑洼不平，下雨积水。",
                "{place}人行道地砖松动翘起，容易绊倒。",
                "{place}路面破损严重，电动车经常摔倒。"}, "已对破损路面进行修补。"},
    {"C02.04", {"{place}护栏被撞倒了一段。",
                "{place}隔离护栏缺了一块，有人从缺口横穿马路。",
                "{place}桥边护栏锈蚀松动。"}, "已修复护栏隔离设施。"},
    {"C03.01", {"{place}垃圾箱满了溢出来，没人清理。",
                "{place}垃圾桶坏了，盖子也没了。",
                "{place}分类垃圾桶破损，垃圾散落一地。"}, "已清运满溢垃圾并更换垃圾箱。"},
    {"C03.02", {"{place}公厕水龙头坏了，一直流水。",
                "{place}公共厕所的门锁坏了，冲水也不好用。",
                "{place}公厕卫生很差，灯也不亮。"}, "已维修公厕设施并加强保洁。"},
    {"C04.01", {"{place}大风把行道树刮倒了，压住了路。",
                "{place}行道树枯死了，担心倒下砸到人。",
                "{place}树枝挡住了路灯和监控。"}, "已清理倒伏树木并补植，修剪遮挡枝条。"},
    {"C04.02", {"{place}绿地被踩成了土路。",
                "{place}有人在绿地里种菜。",
                "{place}草坪被车轧坏了一大片。"}, "已补植绿地并设置护栏。"},
    {"C05.01", {"{place}老楼外墙出现裂缝，担心有危险。",
                "{place}楼顶女儿墙松动，有掉砖。",
                "{place}平房墙体开裂倾斜。"}, "住建部门已完成安全鉴定，危险部位已加固排险。"},
    {"C05.02", {"{place}楼道里堆满了纸箱和旧家具。",
                "{place}楼道里停放电动车充电，担心起火。",
                "{place}楼梯间堆放杂物，堵住了安全通道。"}, "已清理楼道堆物，并向住户宣传消防安全。"},
    {"S-URG-01", {"{place}独居老人摔倒在家，需要帮助。",
                  "{place}独居老人身体不舒服，家人不在身边。",
                  "{place}独居老人家里两天没开门，邻居很担心。"}, "社区人员已上门探望，已联系家属并协助就医。"},
    {"S-URG-02", {"{place}家里突发变故，生活遇到困难。",
                  "{place}家人突发重病住院，急需帮助办理手续。",
                  "{place}家里失火，暂时没有地方住。"}, "已协调临时救助并帮助办理相关手续。"},
    {"S-URG-03", {"{place}整栋楼停水了，也没有通知。",
                  "{place}家里暖气不热，老人受不了。",
                  "{place}单元停电一天了还没来电。"}, "已协调供水（供暖、供电）单位抢修，已恢复。"},
    {"S-DLY-01", {"家里的洗衣机坏了，想请会修的党员帮忙看看。",
                  "家里电视没有信号，老人不会弄。",
                  "厨房的水龙头漏水，想找人修一修。"}, "志愿者已上门维修，电器（设施）已恢复正常使用。"},
    {"S-DLY-02", {"腿脚不方便，想请人帮忙买药。",
                  "想请人帮忙去银行代办业务。",
                  "家里米面油快没了，行动不便，想请人代买。"}, "志愿者已代买代办完成，物品已送到家。"},
    {"S-DLY-03", {"老伴住院了，一个人在家，希望有人来陪着聊聊天。",
                  "八十多岁独居，希望周末有人陪着去公园走走。",
                  "老人行动不便，希望有人陪同去医院复查。"}, "志愿者已上门陪伴，并约定定期探望。"},
    {"S-DLY-04", {"和房东的租房合同有纠纷，想咨询一下法律问题。",
                  "老人想立遗嘱，不知道需要什么手续。",
                  "被拖欠工资，想咨询怎么维权。"}, "律师志愿者已提供法律咨询并给出书面建议。"},
    {"S-DLY-05", {"家里老人高血压，希望有医生上门量量血压。",
                  "想给行动不便的老人做一次健康检查。",
                  "希望社区组织一次义诊。"}, "医护志愿者已上门义诊，并建立健康档案。"},
    {"S-DLY-06", {"楼上漏水到我家，沟通了几次都不管。",
                  "邻居在公共走廊堆东西，说了也不听。",
                  "和邻居因为停车位的事情发生争执，希望社区调解。"}, "社区已组织双方调解，达成一致意见。"},
    {"S-DLY-07", {"物业不及时维修电梯，老人上下楼困难。",
                  "小区门禁坏了一个月物业都不修。",
                  "物业收费不透明，希望社区协调。"}, "已约谈物业公司，问题已整改。"},
    {"S-ASP-01", {"孩子马上上小学了，想要一个新书包。",
                  "独居老人想要一台收音机听戏。",
                  "希望能有人帮忙给家里的老照片做个相册。"}, "党员已认领并完成心愿，物品已送到家中。"},
    {"S-ASP-02", {"孩子数学跟不上，希望有老师辅导功课。",
                  "家里没人会英语，想请志愿者辅导孩子。",
                  "希望暑假有人带孩子读书写作业。"}, "志愿者已开展辅导，约定每周两次。"},
    {"S-ASP-03", {"希望社区组织一次老年人书画活动。",
                  "想参加太极拳学习，希望有人来教。",
                  "希望社区开展亲子运动会。"}, "活动已组织开展，居民参与踊跃。"},
    {"S-ASP-04", {"希望在{place}增设几个休息座椅。",
                  "建议在{place}安装健身器材。",
                  "希望{place}能增加一些停车位。"}, "建议已采纳，相关设施已安装完成。"},
}};
// clang-format on

constexpr std::array<std::string_view, 2> kGeneric = {"{place}有问题需要处理。",
                                                      "{place}的问题请尽快解决。"};

constexpr std::array<std::string_view, 3> kAccept = {"已受理", "已受理，马上安排", "收到，已受理"};
constexpr std::array<std::string_view, 3> kDispatch = {"请按时限处置并反馈", "请尽快到现场处理",
                                                       "派单处置，办结后请上传照片"};
constexpr std::array<std::string_view, 2> kPublish = {"上架社区点单栏，欢迎党员认领",
                                                      "群众点单，请报到党员认领"};
constexpr std::array<std::string_view, 3> kStart = {"已到现场", "正在处理",
                                                    "已联系当事人，开始处置"};
constexpr std::array<std::string_view, 2> kEscalate = {"街道吹哨：请相关部门30分钟内报到处置",
                                                       "涉及部门职责，请部门报到联合处置"};
constexpr std::array<std::string_view, 3> kRespond = {
    "已派员到场，正在处置", "收到，执法人员已到现场", "已报到，安排专人跟进"};
constexpr std::array<std::string_view, 3> kReject = {"不属于本平台受理范围，已告知通过12345反映",
                                                     "经核实反映内容与实际不符",
                                                     "属于民事纠纷，已引导通过司法途径解决"};
constexpr std::array<std::string_view, 2> kWithdraw = {"居民来电表示问题已自行解决，撤回诉求",
                                                       "居民申请撤回"};
constexpr std::array<std::string_view, 2> kDuplicate = {"与已受理的工单反映同一问题，合并处理",
                                                        "重复上报，已并入原工单"};
constexpr std::array<std::string_view, 2> kReturn = {"不属于本人负责范围，退回重新派单",
                                                     "需其他力量处置，退回社区"};
constexpr std::array<std::string_view, 2> kRatingTimeout = {"评价期满居民未评价，按办结关闭",
                                                            "居民未评价，办结归档"};
constexpr std::array<std::string_view, 2> kCloseAfterCheck = {"已核实办结，归档", "复核通过，关闭"};
constexpr std::array<std::string_view, 5> kPraise = {"处理很及时，谢谢！", "网格员很负责", "",
                                                     "问题解决了，点赞", "效率很高"};
constexpr std::array<std::string_view, 3> kComplaint = {"处理不彻底，问题还在", "拖了太久才处理",
                                                        "只是敷衍了事"};
constexpr std::array<std::string_view, 2> kCallbackSolved = {"电话回访，居民表示问题已解决",
                                                             "上门回访，居民满意"};
constexpr std::array<std::string_view, 2> kCallbackUnsolved = {"回访时居民表示问题仍未解决",
                                                               "回访发现问题反弹"};
constexpr std::array<std::string_view, 2> kCallbackUnreachable = {"电话无人接听",
                                                                  "多次联系未能联系上居民"};
constexpr std::array<std::string_view, 2> kReopen = {"回访未解决，重新办理", "问题反弹，重启工单"};

}  // namespace

std::span<const std::string_view> DescriptionsFor(std::string_view category_code) {
  for (const CategoryText& t : kTexts) {
    if (t.code == category_code) return t.descriptions;
  }
  return kGeneric;
}

std::string_view ResolveNoteFor(std::string_view category_code) {
  for (const CategoryText& t : kTexts) {
    if (t.code == category_code) return t.resolve_note;
  }
  return "已处置完毕";
}

std::span<const std::string_view> NotesFor(NoteKind kind) {
  switch (kind) {
    case NoteKind::kAccept:
      return kAccept;
    case NoteKind::kDispatch:
      return kDispatch;
    case NoteKind::kPublish:
      return kPublish;
    case NoteKind::kStart:
      return kStart;
    case NoteKind::kEscalate:
      return kEscalate;
    case NoteKind::kRespond:
      return kRespond;
    case NoteKind::kReject:
      return kReject;
    case NoteKind::kWithdraw:
      return kWithdraw;
    case NoteKind::kDuplicate:
      return kDuplicate;
    case NoteKind::kReturn:
      return kReturn;
    case NoteKind::kRatingTimeout:
      return kRatingTimeout;
    case NoteKind::kCloseAfterCheck:
      return kCloseAfterCheck;
    case NoteKind::kPraise:
      return kPraise;
    case NoteKind::kComplaint:
      return kComplaint;
    case NoteKind::kCallbackSolved:
      return kCallbackSolved;
    case NoteKind::kCallbackUnsolved:
      return kCallbackUnsolved;
    case NoteKind::kCallbackUnreachable:
      return kCallbackUnreachable;
    case NoteKind::kReopen:
      return kReopen;
  }
  return kAccept;
}

}  // namespace civicgrid::app::demo
