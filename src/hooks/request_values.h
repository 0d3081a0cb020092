// The values of a request as adnanh/webhook sees them (docs/Referencing-Request-Values.md
// upstream): headers, query and the body parsed by content type into one map, looked up by
// value references ({source, name}) and rendered to strings the way webhook renders them.
// Used twice per job: at ingest to evaluate trigger rules, and when the job runs (from the
// stored request) to build the command's arguments, environment and files.
// Thread-safety: pure functions over values.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "hooks/hook.h"
#include "hooks/json_decoder.h"  // NumberTexts
#include "hooks/xml_payload.h"   // ParseXml, the XML part of ParseRequest
#include "store/job.h"

namespace longhaul::hooks {

struct RequestValues {
  boost::json::object headers;  // canonical name ("X-Hub-Signature") -> first value; no Host
  boost::json::object query;    // name -> first value
  boost::json::object payload;  // the parsed body (see ParseRequest)
  NumberTexts numbers;          // the JSON numbers in these, as sent (DecodeJson)
  bool has_payload = false;     // false: no parser for the content type, or it failed
  std::string payload_error;    // why there is no payload, for logs ("" when none was expected)
  std::string raw_body;         // the body as received; empty for multipart (as upstream)
  std::string method;
  std::string remote_addr;  // the peer's IP address
};

// Limits that keep a hostile body from costing more than its size.
inline constexpr int kMaxNesting = 64;  // JSON/XML nesting deeper than this fails the parse

// Parses `req` for `hook`. The content type is hook.content_type, else the request's
// Content-Type; the body is parsed when it
//   contains "json"                   JSON; a top-level array is stored under key "root"
//   contains "x-www-form-urlencoded"  form fields, first value of each
//   contains "xml"                    XML: element names as keys, attributes as "-name", text
//                                     as "#text" beside attributes or children, repeated
//                                     elements as arrays; no DTDs or entity definitions
//   starts with "multipart/form-data" text fields (first value of each); a file part only when
//                                     its Content-Type is application/json or its name is a
//                                     payload entry of hook.json_parameters, decoded as JSON
// Any other type, or a JSON/form/XML body that does not parse, leaves no payload (rules that
// use it are then "not satisfied") and sets payload_error. Then parse-parameters-as-json is
// applied (ApplyJsonParameters). JSON is read by DecodeJson: its numbers keep their text.
// Errors: kInvalidArgument for a multipart body that cannot be parsed ("Error occurred while
// parsing multipart form." upstream); the message says why.
base::Result<RequestValues> ParseRequest(const store::Request& req, const Hook& hook);

// parse-parameters-as-json: each header, query or payload value named in `refs` that holds a
// JSON object as text is replaced by that object, so `name.inner.key` reaches into it. Values
// that are missing or do not decode to an object are left alone; a note for each is appended to
// `notes`.
void ApplyJsonParameters(RequestValues& values, const std::vector<ValueRef>& refs,
                         std::vector<std::string>& notes);

// The value `ref` names, as a string. Errors:
//   kNotFound        the value is missing (upstream "parameter node not found"): rules treat
//                    this as "not satisfied", arguments become "", env/files are skipped.
//   kInvalidArgument the reference cannot be resolved at all (unknown `request` name).
base::Result<std::string> Resolve(const ValueRef& ref, const RequestValues& values);

// The value at `name` in `root`: the exact key first, else the dot path, where a numeric step
// indexes an array ("commits.0.id"). nullptr when missing.
const boost::json::value* Lookup(const boost::json::object& root, std::string_view name);

// How webhook renders a value: strings as they are; numbers as sent (with `numbers`, a uint64
// is the index of its text there, as DecodeJson leaves it) or else as decimal text; true/false;
// null as "<nil>"; objects and arrays as compact JSON with sorted keys (GoJson).
std::string RenderValue(const boost::json::value& v, const NumberTexts* numbers = nullptr);
// Go's json.Marshal: compact, object keys sorted, <, > and & escaped as \u003c etc.; numbers
// as in RenderValue.
std::string GoJson(const boost::json::value& v, const NumberTexts* numbers = nullptr);

// "x-hub-signature" -> "X-Hub-Signature" (Go's CanonicalMIMEHeaderKey); names with bytes
// outside letters, digits, '-' and the other token characters are returned unchanged.
std::string CanonicalHeaderKey(std::string_view name);

// One part of a multipart/form-data body.
struct MultipartPart {
  std::string name;      // Content-Disposition name
  std::string filename;  // Content-Disposition filename; "" for a text field
  std::string content_type;
  std::string body;
};
// Splits a multipart body with the boundary from `content_type`. kInvalidArgument when the
// boundary is missing or the body is malformed.
base::Result<std::vector<MultipartPart>> ParseMultipart(std::string_view content_type,
                                                        std::string_view body);

}  // namespace longhaul::hooks
