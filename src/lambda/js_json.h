// JSON text as a Lambda runtime's JSON.stringify would write it. Boost.JSON writes a double in
// exponent form (0.5 as 5E-1, 3.0 as 3E0): valid JSON, but not what a function that returned
// {"price": 0.5} sees come out of API Gateway, and a header value 0.5 must read "0.5".
// Thread-safety: pure functions.
#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace longhaul::lambda {

// A number as JavaScript writes it: integers in full, other doubles in their shortest form that
// reads back the same ("0.5", "12345678.9", "1e+21", "1e-7", "0.000001"); a non-finite one as
// "null", as JSON.stringify does.
std::string NumberText(const boost::json::value& number);

// `v` serialized as boost::json::serialize does, except that numbers are NumberText's.
std::string StringifyJson(const boost::json::value& v);

}  // namespace longhaul::lambda
