#include "store/open.h"

#include "store/postgres/pg_connection.h"
#include "store/sqlite/sqlite_connection.h"

namespace civicgrid::store {

Result<std::unique_ptr<Db>> OpenDb(const std::string& url, const DbOptions& options) {
  std::unique_ptr<Db> db;
  if (url.rfind("sqlite:", 0) == 0) {
    std::string path = url.substr(7);
    if (path.empty()) return core::Error::Invalid("db", "sqlite: 后需给出数据库文件路径");
    db = std::make_unique<Db>(Backend::kSqlite, url, options,
                              [path, options] { return OpenSqlite(path, options); });
  } else if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    db = std::make_unique<Db>(Backend::kPostgres, url, options,
                              [url, options] { return OpenPostgres(url, options); });
  } else {
    return core::Error::Invalid("db", "数据库地址应以 sqlite: 或 postgresql:// 开头");
  }
  CG_ASSIGN_OR_RETURN(auto probe, db->Acquire());
  (void)probe;
  return db;
}

}  // namespace civicgrid::store
