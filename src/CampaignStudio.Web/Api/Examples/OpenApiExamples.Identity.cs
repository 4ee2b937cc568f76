namespace CampaignStudio.Web.Api;

/// <summary>Signing in for a bearer token, and the account endpoints of ASP.NET Core Identity (users are created by an admin: there is no self-registration).</summary>
public static partial class OpenApiExamples
{
    private static IEnumerable<(string Schema, Example[] Examples)> Identity() =>
    [
        ("LoginRequest", [new("marketer", "A marketer signs in for a bearer token", """
            {"email": "marketer@shop.example.com", "password": "correct-horse-battery-staple", "twoFactorCode": null, "twoFactorRecoveryCode": null}
            """)]),
        ("AccessTokenResponse", [new("token", "A bearer token for an hour, and the token that renews it", """
            {"tokenType": "Bearer", "accessToken": "CfDJ8LpQ7...(shortened)...u3Kq", "expiresIn": 3600, "refreshToken": "CfDJ8LpQ7...(shortened)...Zr9w"}
            """)]),
        ("RefreshRequest", [new("refresh", "Renews the token before it expires", """
            {"refreshToken": "CfDJ8LpQ7...(shortened)...Zr9w"}
            """)]),
        ("RegisterRequest", [new("register", "Refused: an admin creates users in Settings (404)", """
            {"email": "new.colleague@shop.example.com", "password": "correct-horse-battery-staple"}
            """)]),
        ("ResendConfirmationEmailRequest", [new("resend", "Sends the confirmation e-mail again", """
            {"email": "marketer@shop.example.com"}
            """)]),
        ("ForgotPasswordRequest", [new("forgot", "Sends a password reset code", """
            {"email": "marketer@shop.example.com"}
            """)]),
        ("ResetPasswordRequest", [new("reset", "Sets a new password with the code from the e-mail", """
            {"email": "marketer@shop.example.com", "resetCode": "CfDJ8LpQ7...(from the e-mail)", "newPassword": "a-new-long-passphrase-2026"}
            """)]),
        ("TwoFactorRequest", [new("enable", "Turns on two-factor sign-in with a code from the authenticator app", """
            {"enable": true, "twoFactorCode": "492 816", "resetSharedKey": false, "resetRecoveryCodes": false, "forgetMachine": false}
            """)]),
        ("TwoFactorResponse", [new("enabled", "Two-factor sign-in is on; keep the recovery codes safe", """
            {"sharedKey": "JBSWY3DPEHPK3PXP", "recoveryCodesLeft": 10, "recoveryCodes": ["7K4Q-9XWM", "P2D8-HN3R"], "isTwoFactorEnabled": true, "isMachineRemembered": false}
            """)]),
        ("InfoRequest", [new("password", "Changes the password", """
            {"newEmail": null, "newPassword": "a-new-long-passphrase-2026", "oldPassword": "correct-horse-battery-staple"}
            """)]),
        ("InfoResponse", [new("info", "The signed-in user", """
            {"email": "marketer@shop.example.com", "isEmailConfirmed": true}
            """)]),
    ];
}
