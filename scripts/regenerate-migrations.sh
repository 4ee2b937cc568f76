#!/usr/bin/env bash
# Regenerates the single "Initial" migration of BOTH providers from the current model:
#   src/CampaignStudio.Data/Migrations           (SQLite, the default)
#   src/CampaignStudio.Data.Postgres/Migrations  (PostgreSQL)
# Run it after changing an entity or its configuration (or after merging branches that did), then commit both folders.
# Neither command needs a database server: the design-time factories only build the model.
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet tool restore >/dev/null
rm -rf src/CampaignStudio.Data/Migrations src/CampaignStudio.Data.Postgres/Migrations
dotnet build src/CampaignStudio.Data.Postgres -c Debug -nologo -v q

dotnet tool run dotnet-ef migrations add Initial --no-build --project src/CampaignStudio.Data --output-dir Migrations
dotnet tool run dotnet-ef migrations add Initial --no-build --project src/CampaignStudio.Data.Postgres --output-dir Migrations

echo "Regenerated: src/CampaignStudio.Data/Migrations and src/CampaignStudio.Data.Postgres/Migrations"
