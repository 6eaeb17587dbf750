# SPDX-License-Identifier: GPL-2.0
#
# TAP for the shell selftests, sourced (not run: run-selftests skips
# helper*).  The sourcing script sets T to its temporary directory first.
#
#   ok DESCRIPTION CMD...   runs CMD; "ok N DESCRIPTION" if it succeeds,
#                           else "not ok N DESCRIPTION" and CMD's output
#                           as TAP comments
tap_n=0
ok() {
	local d=$1
	shift
	tap_n=$((tap_n + 1))
	if "$@" >"$T/log" 2>&1; then
		echo "ok $tap_n $d"
	else
		echo "not ok $tap_n $d"
		sed 's/^/# /' "$T/log"
	fi
}
