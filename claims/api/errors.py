"""The services' refusals as API answers: 400 with the messages by field, 403, and 409 for a
write that started from an older version (services.check_version's code "conflict")."""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def _messages(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if name == NON_FIELD_ERRORS else name): list(dict.fromkeys(messages))
            for name, messages in exc.message_dict.items()
        }
    return {"non_field_errors": list(dict.fromkeys(exc.messages))}


def _is_conflict(exc: DjangoValidationError) -> bool:
    return (
        any(error.code == "conflict" for error in exc.error_list)
        if hasattr(exc, "error_list")
        else any(error.code == "conflict" for errors in exc.error_dict.values() for error in errors)
    )


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        code = status.HTTP_409_CONFLICT if _is_conflict(exc) else status.HTTP_400_BAD_REQUEST
        return Response(_messages(exc), status=code)
    if isinstance(exc, PermissionDenied):
        return Response({"detail": str(exc) or "You may not do this."}, status=status.HTTP_403_FORBIDDEN)
    return drf_exception_handler(exc, context)
