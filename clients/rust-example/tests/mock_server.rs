//! A client's tests against `understudy::MockServer`: each test gets a namespace of its own.

use understudy::MockServer;
use understudy_client_example::AgentClara;

fn client(server: &MockServer, namespace: &str) -> AgentClara {
    let test = server.namespace(namespace);
    AgentClara::new(&test.url("agentclara"), test.headers("agentclara", 0))
}

#[tokio::test]
async fn a_created_contact_is_found_and_journaled_in_its_namespace_only() {
    let server = MockServer::start().await;
    let mine = client(&server, "mine");
    let id = mine.create("Zoë Example").await.expect("created");
    assert!(id.starts_with("cust_"), "{id}");
    assert_eq!(mine.names("zoë").await.expect("listed"), ["Zoë Example"]);

    let theirs = client(&server, "theirs");
    assert!(theirs.names("Zoë").await.expect("listed").is_empty());
    let journal = server.namespace("mine").requests();
    assert_eq!(journal.len(), 2);
    assert_eq!(journal[1]["method"], "POST");
    assert_eq!(journal[1]["path"], "/contacts");
    assert_eq!(server.namespace("theirs").requests().len(), 1);
}

#[tokio::test]
async fn a_reset_puts_the_namespace_back_to_the_seed() {
    let server = MockServer::start().await;
    let test = client(&server, "reset-me");
    test.create("Temporary").await.expect("created");
    server.namespace("reset-me").reset().await;
    assert!(test.names("Temporary").await.expect("listed").is_empty());
}
