"""The URL names of the API's resources: "<name>-list", "<name>-detail" (DefaultRouter's)."""

API_NAMES = {
    "topic": "api-topic",
    "person": "api-person",
    "source": "api-source",
    "claim": "api-claim",
    "citation": "api-citation",
}
