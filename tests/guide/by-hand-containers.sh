#!/usr/bin/env bash
# The deployment guide's container steps ("Step-by-Step: Container Deployment (ECS)", sections 2
# to 4), run as its readers run them, against AWS_ENDPOINT_URL. The image build and push are left
# out (the repository stays empty), and one command is added: the guide's create-service names a
# cluster `fintech-tracker-cluster` it never makes, so every reader makes it first.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/preamble.sh"
SUBNET=$(aws ec2 describe-subnets --filters Name=vpc-id,Values="$VPC" --query 'Subnets[0].SubnetId' --output text)

# 2. Build and Push to ECR
aws ecr create-repository --repository-name fintech-tracker-backend >/dev/null

# 3. Create ECS Task Definition
cat > task-definition.json <<JSON
{
  "family": "fintech-tracker",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "256",
  "memory": "512",
  "containerDefinitions": [
    {
      "name": "backend",
      "image": "$ACCOUNT_ID.dkr.ecr.$AWS_DEFAULT_REGION.amazonaws.com/fintech-tracker-backend:latest",
      "portMappings": [{"containerPort": 8000, "protocol": "tcp"}],
      "environment": [
        {"name": "DATABASE_URL", "value": "postgresql://..."},
        {"name": "REDIS_URL", "value": "redis://..."}
      ]
    }
  ]
}
JSON
aws ecs register-task-definition --cli-input-json file://task-definition.json >/dev/null

# 4. Create ECS Service (its cluster first)
aws ecs create-cluster --cluster-name fintech-tracker-cluster >/dev/null
aws ecs create-service \
  --cluster fintech-tracker-cluster \
  --service-name fintech-tracker-backend \
  --task-definition fintech-tracker \
  --desired-count 1 \
  --launch-type FARGATE \
  --network-configuration "awsvpcConfiguration={subnets=[$SUBNET],securityGroups=[$SG]}" >/dev/null

echo "made by hand: the fintech-tracker-backend repository, the fintech-tracker-cluster cluster and its fintech-tracker-backend service"
