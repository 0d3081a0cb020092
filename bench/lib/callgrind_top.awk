# Sums callgrind dumps (one or more files, e.g. one per thread) by function and prints
# "self<TAB>inclusive<TAB>function", unsorted, plus a "TOTAL" line (the sum of the files'
# summary lines). Reads the format directly: callgrind_annotate mis-attributes dumps taken after
# `callgrind_control -z` (everything lands on the outermost frame).
# Self cost: cost lines under fn=; a cost line right after calls= is the callee's inclusive cost,
# which is added to the caller's inclusive cost instead (recursion is counted twice).
function name_of(spec,    id, rest) {
  if (match(spec, /^\([0-9]+\)/)) {
    id = substr(spec, 2, RLENGTH - 2)
    rest = substr(spec, RLENGTH + 1)
    sub(/^ /, "", rest)
    if (rest != "") names[FILENAME, id] = rest
    return names[FILENAME, id]
  }
  return spec
}
/^summary:/ { total += $2; next }
/^fn=/ { cur = name_of(substr($0, 4)); after_call = 0; next }
/^cfn=/ { name_of(substr($0, 5)); next }
/^calls=/ { after_call = 1; next }
/^[0-9+*-]/ {
  if (cur == "") next
  if (after_call) { incl[cur] += $NF; after_call = 0; next }
  self[cur] += $NF
  incl[cur] += $NF
  next
}
END {
  for (f in incl) printf "%d\t%d\t%s\n", self[f], incl[f], f
  printf "%d\t%d\tTOTAL\n", total, total
}
