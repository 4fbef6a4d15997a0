#include "fixring/codec/types.hpp"

namespace fixring::codec {

double decimal::to_double() const noexcept {
  // Powers of ten up to 1e18 are exact in double, so one division rounds once.
  static constexpr double pow10[19] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
                                       1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
  return static_cast<double>(mantissa) / pow10[scale <= 18 ? scale : 18];
}

}  // namespace fixring::codec
