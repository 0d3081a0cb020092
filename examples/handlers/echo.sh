#!/bin/sh
# Echo handler for examples/longhaul.yaml: copies the request body (stdin) to stdout, which
# longhaul keeps as the job's result. A non-zero exit would make the attempt fail and be retried.
set -eu
cat
