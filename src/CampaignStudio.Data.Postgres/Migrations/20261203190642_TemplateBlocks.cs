using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CampaignStudio.Data.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class TemplateBlocks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "BlocksJson",
                table: "EmailTemplates",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "BlocksJson",
                table: "EmailTemplates");
        }
    }
}
