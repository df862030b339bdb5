# Sourced by the guide scripts here: every aws command sent to the emulator, the region, a scratch
# directory, and what the guide's placeholders are filled with (the account, the default VPC and
# its default security group).
set -euo pipefail
# aws CLI v1 does not send every service to AWS_ENDPOINT_URL (rds went to rds.amazonaws.com): the
# emulator's address is given to each command.
if [[ -n ${AWS_ENDPOINT_URL:-} ]]; then
  aws() { command aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"; }
fi
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER=""
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
ACCOUNT_ID=$(aws sts get-caller-identity --query Account --output text)
REGION=$AWS_DEFAULT_REGION
VPC=$(aws ec2 describe-vpcs --filters Name=isDefault,Values=true --query 'Vpcs[0].VpcId' --output text)
SG=$(aws ec2 describe-security-groups --filters Name=vpc-id,Values="$VPC" Name=group-name,Values=default \
  --query 'SecurityGroups[0].GroupId' --output text)
