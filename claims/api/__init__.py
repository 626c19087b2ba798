"""The JSON API at /api/v1/ (issue 16): the same services and selectors as the pages.

No second permission system: a write calls the service the page's form calls, which refuses
with PermissionDenied or ValidationError; errors.py turns those into 403, 400 and, for a
write that started from an older version, 409.
"""
