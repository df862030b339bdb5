#!/usr/bin/env bash
# The deployment guide's serverless steps (aws-deployment-guide.md, "Step-by-Step: Serverless
# Deployment", sections 1 to 5), run as its readers run them: the same
# commands, in the same order, with the guide's placeholders filled in. The adopt test runs this
# against the emulator (AWS_ENDPOINT_URL) to make the hand-made deployment fintech takes over.
#
# Placeholders the guide leaves to its reader, and what fills them here:
#   sg-xxxxx                 the default VPC's default security group (what a reader picks first)
#   YOUR_ACCOUNT_ID/ACCOUNT  the caller's account (STS)
#   lambda-execution-role    a role made beforehand (the guide assumes one exists)
#   lambda_function.zip      a one-file package; out/ a two-file static export
#   YOUR_SECURE_PASSWORD     a password on the command line, as the guide has it (fintech moves
#                            it into Secrets Manager)
# and one correction every reader makes: the aws CLI takes `--no-publicly-accessible`, not the
# guide's `--publicly-accessible false` (which it refuses).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/preamble.sh"
aws iam create-role --role-name lambda-execution-role --assume-role-policy-document \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null

# 1. Database Setup (RDS PostgreSQL)
aws rds create-db-instance \
  --db-instance-identifier fintech-tracker-db \
  --db-instance-class db.t3.micro \
  --engine postgres \
  --engine-version 15.4 \
  --master-username fintech \
  --master-user-password YOUR_SECURE_PASSWORD \
  --allocated-storage 20 \
  --storage-type gp2 \
  --vpc-security-group-ids "$SG" \
  --db-name fintech_tracker \
  --backup-retention-period 7 \
  --no-publicly-accessible >/dev/null

# 2. Cache Setup (ElastiCache Redis)
aws elasticache create-cache-cluster \
  --cache-cluster-id fintech-tracker-redis \
  --cache-node-type cache.t3.micro \
  --engine redis \
  --num-cache-nodes 1 \
  --security-group-ids "$SG" >/dev/null

# 3. Backend Deployment (Lambda + API Gateway)
mkdir -p package/app
printf 'from mangum import Mangum\nhandler = None\n' > lambda_handler.py
python3 -c "import zipfile; z = zipfile.ZipFile('lambda_function.zip', 'w'); z.write('lambda_handler.py'); z.close()"
aws lambda create-function \
  --function-name fintech-tracker-api \
  --runtime python3.10 \
  --handler lambda_handler.handler \
  --zip-file fileb://lambda_function.zip \
  --role "arn:aws:iam::$ACCOUNT_ID:role/lambda-execution-role" \
  --timeout 30 \
  --memory-size 512 \
  --environment "Variables={DATABASE_URL=postgresql://user:pass@rds-endpoint:5432/db,REDIS_URL=redis://elasticache-endpoint:6379,FINPREP_API_KEY=your_key,MARKETAUX_API_KEY=your_key}" >/dev/null

aws apigatewayv2 create-api \
  --name fintech-tracker-api \
  --protocol-type HTTP \
  --target "arn:aws:lambda:$REGION:$ACCOUNT_ID:function:fintech-tracker-api" >/dev/null

# 4. Frontend Deployment (S3 + CloudFront)
mkdir -p out
printf '<html><body>Fintech Tracker</body></html>' > out/index.html
printf '<html><body>Not found</body></html>' > out/error.html
aws s3 mb s3://fintech-tracker-frontend >/dev/null
aws s3 website s3://fintech-tracker-frontend \
  --index-document index.html \
  --error-document error.html
aws s3 sync out/ s3://fintech-tracker-frontend --acl public-read >/dev/null

aws cloudfront create-distribution \
  --origin-domain-name fintech-tracker-frontend.s3.amazonaws.com \
  --default-root-object index.html >/dev/null

# 5. Scheduled Tasks (EventBridge + Lambda)
aws events put-rule \
  --name fintech-daily-ingestion \
  --schedule-expression "cron(0 6 * * ? *)" >/dev/null
aws events put-targets \
  --rule fintech-daily-ingestion \
  --targets "Id"="1","Arn"="arn:aws:lambda:$REGION:$ACCOUNT_ID:function:data-ingestion-lambda" >/dev/null

echo "made by hand: fintech-tracker-db, fintech-tracker-redis, fintech-tracker-api (function and HTTP API), fintech-tracker-frontend, a CloudFront distribution, fintech-daily-ingestion"
