#!/usr/bin/env bash
# The README's curl examples, run exactly as they stand against the stack.
. "$(dirname "$0")/lib.sh"
plan 6

script=$tmp/readme.sh
sed -n '/<!-- readme-examples -->/,/<!-- \/readme-examples -->/p' "$QRSHARE_TOP/README.md" |
    sed -e '/^```/d' -e '/^<!--/d' -e 's|^\. run/demo\.env$|. "$QRSHARE_ENV"|' > "$script"
ok '[ "$(grep -c "curl" "$script")" -ge 9 ]' "the README has the examples block"
# The examples print five JSON answers back to back: status, information, update,
# decision, cancel.
env_file=$(realpath "$QRSHARE_ENV")
out=$(cd "$tmp" && QRSHARE_ENV=$env_file bash -e "$script" 2>&1)
rc=$?
nth() { jq -rs ".[$1]$2" <<<"$out" 2>/dev/null; }
is 0 "$rc" "the examples run without error"
is initialized "$(nth 0 .status)" "E3 status answers initialized"
is retrieved "$(nth 1 .status)" "E4 information binds the user"
is ada@example.org "$(nth 3 .user_data.email.email)" "E6 decision carries the shared email"
is cancelled "$(nth 4 .status)" "E8 cancel answers cancelled"
done_testing
