#!/bin/sh
# "Processes" a Telegram update: reads it from stdin, works for 45 seconds, prints a reply.
update=$(cat)
echo "job $LONGHAUL_JOB_ID attempt $LONGHAUL_ATTEMPT: got $update" >&2
sleep "${PROCESS_SECONDS:-45}"
printf '{"method":"sendMessage","text":"processed update"}\n'
