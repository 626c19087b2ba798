def test_front_door_leads_anonymous_visitors_to_the_login_page(client, db):
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/admin/login/")
    assert b"Source criticism: data entry" in response.content
