#include "sim/base/io_attrs.h"

namespace wdsim {

const char* io_fault_name(IoFault f) {
  switch (f) {
    case IoFault::kNone:
      return "none";
    case IoFault::kTranslation:
      return "translation";
    case IoFault::kPermission:
      return "permission";
    case IoFault::kAccessFlag:
      return "access_flag";
    case IoFault::kAddressSize:
      return "address_size";
    case IoFault::kBadConfig:
      return "bad_config";
    case IoFault::kAbort:
      return "abort";
    case IoFault::kWalkAbort:
      return "walk_abort";
  }
  return "?";
}

}  // namespace wdsim
