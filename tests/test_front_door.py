def test_front_door_sends_anonymous_visitors_to_log_in_and_back(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"
