#!/usr/bin/env bash
# The pipeline's steps, the same on a laptop and in CI (.github/workflows/flags.yml runs this script):
#
#   ./ci.sh check     check flags/*.yaml as preview will: every problem as file:line:column (and, in GitHub
#                     Actions, as an annotation on the pull request's line); nothing else is needed for this one
#   ./ci.sh preview   what merging would change, in FeatBit's terms, written to $OUT_DIR/summary.md (the
#                     pull-request comment) and printed; $OUT_DIR/preview.json is Pulumi's own JSON
#   ./ci.sh up        apply the files to FeatBit
#
# Settings, from the environment (in CI: repository variables and secrets):
#   FEATBIT_API_URL, FEATBIT_ACCESS_TOKEN, FEATBIT_ORGANIZATION_KEY   the FeatBit to manage (token: a secret)
#   PULUMI_BACKEND_URL        where the stack's state lives: s3://…, azblob://…, gs://…, file://…; unset: Pulumi Cloud
#                             (PULUMI_ACCESS_TOKEN) or whatever `pulumi login` chose
#   PULUMI_CONFIG_PASSPHRASE  encrypts the state's secrets, or PULUMI_SECRETS_PROVIDER (awskms://…,
#                             azurekeyvault://…, gcpkms://…) used when the stack is created
#   STACK                     the stack (default: live)
#   ENVIRONMENTS              the environment names index.ts deploys to (default: dev,staging,prod)
#   FEATBIT_CHANGE_COMMENT    `up`: the reason, for FeatBit's audit log (CI passes the merged commit's title)
#   OUT_DIR                   where preview writes (default: .featbit-ci)
#   PULUMI                    the pulumi command (default: pulumi)
set -euo pipefail
cd "$(dirname "$0")"

read -r -a pulumi_cmd <<<"${PULUMI:-pulumi}"
stack="${STACK:-live}"
environments="${ENVIRONMENTS:-dev,staging,prod}"
out_dir="${OUT_DIR:-.featbit-ci}"
bin="node_modules/.bin"

usage() {
  echo "usage: $0 check|preview|up" >&2
  exit 2
}

check() {
  "$bin/featbit-flagset-check" flags --environments "$environments"
}

select_stack() {
  local args=(stack select --create "$stack" --non-interactive)
  if [[ -n "${PULUMI_SECRETS_PROVIDER:-}" ]]; then
    args+=(--secrets-provider "$PULUMI_SECRETS_PROVIDER")
  fi
  "${pulumi_cmd[@]}" "${args[@]}"
}

preview() {
  local title="FeatBit changes (stack $stack)"
  local status=0
  mkdir -p "$out_dir"
  # --show-sames: the unchanged resources let the summary name environments and segments by key.
  "${pulumi_cmd[@]}" preview --stack "$stack" --json --show-sames --non-interactive >"$out_dir/preview.json" ||
    status=$?
  if ! "$bin/featbit-diff" "$out_dir/preview.json" --title "$title" >"$out_dir/summary.md"; then
    printf '### %s: the preview did not run\n\nSee the job log.\n' "$title" >"$out_dir/summary.md"
    if [[ "$status" -eq 0 ]]; then status=1; fi
  fi
  cat "$out_dir/summary.md"
  return "$status"
}

up() {
  "${pulumi_cmd[@]}" up --stack "$stack" --yes --non-interactive
}

case "${1:-}" in
  check) check ;;
  preview)
    check
    select_stack
    preview
    ;;
  up)
    check
    select_stack
    up
    ;;
  *) usage ;;
esac
