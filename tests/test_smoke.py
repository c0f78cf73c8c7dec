def test_health_is_public_and_reports_database(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json["database"] == "ok"
    assert response.json["autotask"] == "not configured"
