# The function: `handler EVENT` prints the result. What it writes to stderr goes to the
# invocation's log (the job's stderr_tail). For an HTTP route the result is an API Gateway
# response: statusCode, headers, body.
handler () {
  EVENT_DATA=$1
  echo "event: $EVENT_DATA" 1>&2
  printf '{"statusCode":200,"headers":{"content-type":"text/plain"},"body":"echo from process %s: %s bytes of event\\n"}' \
    "$$" "${#EVENT_DATA}"
}
