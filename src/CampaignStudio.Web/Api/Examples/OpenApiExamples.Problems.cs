namespace CampaignStudio.Web.Api;

/// <summary>The one error shape (RFC 9457 problem details), with the sentence a marketer reads in the screens.</summary>
public static partial class OpenApiExamples
{
    private static IEnumerable<(string Schema, Example[] Examples)> Problems() =>
    [
        ("ProblemDetails", [new("problem", "A refusal, in words", """
            {"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "The campaign cannot be launched yet", "status": 400,
             "detail": "Nobody in this segment may be mailed (no opt-in).", "instance": null}
            """)]),
        ("HttpValidationProblemDetails", [new("invalid", "A field that is not right, by name", """
            {"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "One or more validation errors occurred.", "status": 400, "detail": null,
             "instance": null, "errors": {"PasswordTooShort": ["Passwords must be at least 12 characters."]}}
            """)]),
    ];
}
