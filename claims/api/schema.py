"""What drf-spectacular cannot read from the code: the personal tokens' security scheme."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    target_class = "claims.api.auth.PersonalTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A personal API token, made on your account page and shown once: "
                "send it as `Authorization: Bearer <token>`."
            ),
        }
