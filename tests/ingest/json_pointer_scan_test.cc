#include "ingest/json_pointer_scan.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <random>
#include <string>

namespace longhaul::ingest {
namespace {

using Outcome = PointerScan::Outcome;

// What boost::json::parse (with the same options) and find_pointer say, in the scan's terms.
std::string Reference(std::string_view body, std::string_view pointer) {
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(body, ec, {}, KeyBodyParseOptions());
  if (ec) return "invalid";
  const boost::json::value* v = doc.find_pointer(pointer, ec);
  if (v == nullptr) return "absent";
  if (v->is_null()) return "null";
  if (v->is_string()) return "string:" + std::string(v->get_string());
  if (v->is_object() || v->is_array()) return "container";
  if (v->is_double()) return "double";  // the scan keeps its text as sent (see Comparable)
  return "other:" + boost::json::serialize(*v);
}

// A scan's result as Reference() gives it: a number that parses as a double is "double".
std::string Comparable(std::string scanned) {
  if (scanned.rfind("other:", 0) == 0) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(scanned.substr(6), ec);
    if (!ec && v.is_double()) return "double";
  }
  return scanned;
}

std::string Scanned(std::string_view body, std::string_view pointer) {
  PointerScan s = ScanJsonPointer(body, pointer);
  switch (s.outcome) {
    case Outcome::kInvalidJson:
      return "invalid";
    case Outcome::kAbsent:
      return "absent";
    case Outcome::kNull:
      return "null";
    case Outcome::kString:
      return "string:" + s.text;
    case Outcome::kOther:
      return "other:" + s.text;
    case Outcome::kContainer:
      return "container";
    case Outcome::kUnsupported:
      return "unsupported";
  }
  return "?";
}

TEST(ScanJsonPointer, NumbersADoubleCannotTellApartStayDistinct) {
  // As doubles both are 1.2345678901234568E29, and both of these are Infinity.
  EXPECT_EQ(Scanned(R"({"id":123456789012345678901234567890})", "/id"),
            "other:123456789012345678901234567890");
  EXPECT_EQ(Scanned(R"({"id":123456789012345678901234567999})", "/id"),
            "other:123456789012345678901234567999");
  EXPECT_EQ(Scanned(R"({"id":1e999999})", "/id"), "other:1e999999");
  EXPECT_EQ(Scanned(R"({"id":-0.0,"x":2.5})", "/id"), "other:-0.0");
  EXPECT_EQ(Scanned(R"({"x":2.5,"id":7})", "/id"), "other:7");  // no text left from /x
}

TEST(ScanJsonPointer, FindsScalarsAsTheParsedDocumentWouldButNumbersAsSent) {
  const std::string doc =
      R"({"update_id": 42, "message": {"chat": {"id": -100123, "t": "a\"b\u00e9"},
      "n": 18446744073709551615, "f": 1.5, "e": 2e3, "ok": true, "no": false, "z": null,
      "empty": "", "list": [10, {"id": "x"}, [true]]}, "a/b": 1, "m~n": 2, "": 3})";
  EXPECT_EQ(Scanned(doc, "/update_id"), "other:42");
  EXPECT_EQ(Scanned(doc, "/message/chat/id"), "other:-100123");
  EXPECT_EQ(Scanned(doc, "/message/chat/t"), "string:a\"b\xc3\xa9");
  EXPECT_EQ(Scanned(doc, "/message/n"), "other:18446744073709551615");
  EXPECT_EQ(Scanned(doc, "/message/f"), "other:1.5");
  EXPECT_EQ(Scanned(doc, "/message/e"), "other:2e3");
  EXPECT_EQ(Scanned(doc, "/message/ok"), "other:true");
  EXPECT_EQ(Scanned(doc, "/message/z"), "null");
  EXPECT_EQ(Scanned(doc, "/message/empty"), "string:");
  EXPECT_EQ(Scanned(doc, "/message/list/0"), "other:10");
  EXPECT_EQ(Scanned(doc, "/message/list/1/id"), "string:x");
  EXPECT_EQ(Scanned(doc, "/message/list/2/0"), "other:true");
  EXPECT_EQ(Scanned(doc, "/message/list/3"), "absent");
  EXPECT_EQ(Scanned(doc, "/message/list/01"), "absent");
  EXPECT_EQ(Scanned(doc, "/message/list/-"), "absent");
  EXPECT_EQ(Scanned(doc, "/message/chat"), "container");
  EXPECT_EQ(Scanned(doc, "/a~1b"), "other:1");
  EXPECT_EQ(Scanned(doc, "/m~0n"), "other:2");
  EXPECT_EQ(Scanned(doc, "/"), "other:3");
  EXPECT_EQ(Scanned(doc, "/update_id/x"), "absent");
  EXPECT_EQ(Scanned(doc, ""), "unsupported");
  EXPECT_EQ(Scanned(doc, "update_id"), "unsupported");
  EXPECT_EQ(Scanned(doc, "/a~2b"), "unsupported");
  for (const char* p :
       {"/update_id", "/message/chat/id", "/message/chat/t", "/message/n", "/message/f",
        "/message/e", "/message/no", "/message/z", "/message/list/1/id", "/message/list/01",
        "/message/list/-", "/a~1b", "/m~0n", "/"}) {
    EXPECT_EQ(Comparable(Scanned(doc, p)), Reference(doc, p)) << p;
  }
}

TEST(ScanJsonPointer, TheLastOfDuplicateKeysCounts) {
  for (const char* doc : {R"({"a": 1, "a": 2})", R"({"m": {"id": 1}, "m": {"x": 2}})",
                          R"({"m": {"id": 1, "id": "two"}})", R"({"m": [1], "m": {"id": 3}})",
                          R"({"m": {"id": {"deep": 1}}, "m": {"id": 4}})"}) {
    for (const char* p : {"/a", "/m/id", "/m/id/deep", "/m/0"}) {
      EXPECT_EQ(Scanned(doc, p), Reference(doc, p)) << doc << " " << p;
    }
  }
}

TEST(ScanJsonPointer, RejectsWhatTheParserRejects) {
  for (const char* doc : {"", "{", R"({"a": 1} x)", R"({"a": 1,})", "[1 2]", "{\"a\": \"\xff\"}",
                          R"({"a": 01})", "// c\n{}", "nul"}) {
    EXPECT_EQ(Scanned(doc, "/a"), "invalid") << doc;
    EXPECT_EQ(Reference(doc, "/a"), "invalid") << doc;
  }
  std::string deep = std::string(40, '[') + std::string(40, ']');
  EXPECT_EQ(Scanned(deep, "/0"), Reference(deep, "/0"));
  std::string too_deep =
      std::string(kMaxKeyBodyDepth + 1, '[') + std::string(kMaxKeyBodyDepth + 1, ']');
  EXPECT_EQ(Scanned(too_deep, "/0"), "invalid");
  EXPECT_EQ(Scanned(" {\"a\" : 7 }\n", "/a"), "other:7");
}

// Random documents over a small alphabet of keys (so duplicates are common) and random
// pointers: the scan agrees with the parsed document on every one it answers.
std::string RandomValue(std::mt19937& rng, int depth) {
  static const char* kKeys[] = {"a", "b", "0", "1", "a/b", "~"};
  static const char* kScalars[] = {"1",
                                   "-2",
                                   "3.25",
                                   "1e400",
                                   "true",
                                   "false",
                                   "null",
                                   "\"\"",
                                   "\"s\"",
                                   "\"\\u0041\\n\"",
                                   "99999999999999999999"};
  const int kind = depth >= 4 ? 2 : static_cast<int>(rng() % 3);
  if (kind == 2) return kScalars[rng() % std::size(kScalars)];
  std::string out(1, kind == 0 ? '{' : '[');
  const int n = static_cast<int>(rng() % 4);
  for (int i = 0; i < n; ++i) {
    if (i > 0) out += ',';
    if (kind == 0) {
      std::string key = kKeys[rng() % std::size(kKeys)];
      out += boost::json::serialize(boost::json::value(key)) + ":";
    }
    out += RandomValue(rng, depth + 1);
  }
  out += kind == 0 ? '}' : ']';
  return out;
}

TEST(ScanJsonPointer, AgreesWithTheParsedDocumentOnRandomDocuments) {
  static const char* kTokens[] = {"a", "b", "0", "1", "a~1b", "~0", "2"};
  std::mt19937 rng(20261205);
  int answered = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string doc = RandomValue(rng, 0);
    std::string pointer;
    for (int n = 1 + static_cast<int>(rng() % 3); n > 0; --n) {
      pointer += std::string("/") + kTokens[rng() % std::size(kTokens)];
    }
    std::string scanned = Scanned(doc, pointer);
    ASSERT_NE(scanned, "unsupported") << pointer;
    if (scanned == "container") {
      ASSERT_EQ(Reference(doc, pointer), "container") << doc << " " << pointer;
    } else {
      ASSERT_EQ(Comparable(scanned), Reference(doc, pointer)) << doc << " " << pointer;
      ++answered;
    }
  }
  EXPECT_GT(answered, 2500);
}

}  // namespace
}  // namespace longhaul::ingest
