#!/usr/bin/env sh
# Prints the path of a Python interpreter of the given minor version (3.10, 3.11), or fails
# with a message saying what is missing and how to get it.
set -eu
want="$1"
for candidate in "python$want" ; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys' >/dev/null 2>&1; then
    command -v "$candidate"; exit 0
  fi
done
if command -v pyenv >/dev/null 2>&1; then
  for p in "$(pyenv root)"/versions/"$want".*/bin/python"$want"; do
    if [ -x "$p" ]; then echo "$p"; exit 0; fi
  done
fi
echo "Python $want introuvable. Installez-le (par exemple : pyenv install $want) puis relancez." >&2
echo "Python $want not found: install it (e.g. 'pyenv install $want') and run make again." >&2
exit 1
