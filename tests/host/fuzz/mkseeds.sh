#!/bin/bash
# mkseeds.sh DIR MAXLEN FILE... - make the seed corpus DIR of a fuzz harness: each FILE, cut to its
# first MAXLEN bytes (the harness is run with -max_len=MAXLEN), under its own name.
set -euo pipefail
dir=$1
maxlen=$2
shift 2
rm -rf "$dir"
mkdir -p "$dir"
for f in "$@"; do
	head -c "$maxlen" "$f" > "$dir/$(basename "$f")"
done
