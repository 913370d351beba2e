//! Several real `concord serve` processes on one PostgreSQL database and one Redis: documents,
//! presence, access changes, freezes and live events cross nodes; a Redis restart and a killed
//! node are survived; nodes that do not share their keys refuse to start.
//!
//! Each test has its own database and its own Redis channel, so tests run in parallel. Redis
//! is required (the loopback one, or `TEST_REDIS_URL`): a test fails, never skips, without it.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};
use server::auth::TicketKey;
use server::config::TicketAccess::{self, Read, Write};

use crate::support::api::{Api, World};
use crate::support::client::TestClient;
use crate::support::node::NodePeer;
use crate::support::postgres;
use crate::support::server::{concord_binary, issue, ChildServer};

/// Every node of a test shares these, as a deployment's nodes must.
const TICKET_SECRET: &str = "cluster-test-ticket-secret-0123456789abcdef";
const MASTER_KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const OTHER_MASTER_KEY: &str = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

const WAIT: Duration = Duration::from_secs(15);

/// `--shutdown-grace-secs` of every node here: a drained node is gone within it.
const GRACE_SECS: &str = "5";

/// The Redis the tests share: `TEST_REDIS_URL`, else the loopback one.
fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into())
}

async fn require_redis(url: &str) {
    let client = redis::Client::open(url).expect("a Redis URL");
    let reachable = match tokio::time::timeout(
        Duration::from_secs(3),
        client.get_multiplexed_async_connection(),
    )
    .await
    {
        Ok(Ok(mut conn)) => redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .is_ok(),
        _ => false,
    };
    assert!(
        reachable,
        "Redis is required for the cluster tests and does not answer at {url}. Start it \
         (`redis-server`, or `apt-get install redis-server`), or set TEST_REDIS_URL"
    );
}

/// Several nodes of one deployment.
struct Nodes {
    database_url: String,
    redis_url: String,
    channel: String,
    key: TicketKey,
    nodes: Vec<Option<ChildServer>>,
    _dirs: Vec<tempfile::TempDir>,
}

impl Nodes {
    async fn start(count: usize) -> Nodes {
        Self::start_on(count, redis_url()).await
    }

    async fn start_on(count: usize, redis_url: String) -> Nodes {
        require_redis(&redis_url).await;
        let key_dir = tempfile::tempdir().unwrap();
        let mut nodes = Nodes {
            database_url: postgres::fresh_database_url().await,
            redis_url,
            channel: format!("concord-test-{:016x}", rand::random::<u64>()),
            key: TicketKey::load(Some(TICKET_SECRET), key_dir.path()).unwrap(),
            nodes: Vec::new(),
            _dirs: vec![key_dir],
        };
        for _ in 0..count {
            nodes.add().await;
        }
        nodes
    }

    /// Starts one more node and waits until it is subscribed to the others (`/readyz`).
    async fn add(&mut self) {
        let dir = tempfile::tempdir().unwrap();
        let node =
            ChildServer::start_with_args(dir.path(), Some(&self.database_url), &self.args()).await;
        wait_ready(node.addr).await;
        self.nodes.push(Some(node));
        self._dirs.push(dir);
    }

    /// The flags every node of the deployment is started with.
    fn args(&self) -> Vec<&str> {
        vec![
            "--cluster",
            "--redis-url",
            &self.redis_url,
            "--redis-channel",
            &self.channel,
            "--ticket-secret",
            TICKET_SECRET,
            "--master-key",
            MASTER_KEY,
            "--public-url",
            "http://{addr}",
            "--shutdown-grace-secs",
            GRACE_SECS,
        ]
    }

    /// Starts a stopped node again, on its address and data directory.
    async fn restart(&mut self, node: usize, addr: SocketAddr) {
        assert!(self.nodes[node].is_none(), "node {node} is still running");
        let dir = self._dirs[node + 1].path().to_owned();
        let server =
            ChildServer::start_at(addr, &dir, Some(&self.database_url), &self.args()).await;
        wait_ready(server.addr).await;
        self.nodes[node] = Some(server);
    }

    /// Sends SIGTERM to `node` and hands it over, to watch it drain and exit.
    fn terminate(&mut self, node: usize) -> ChildServer {
        let server = self.nodes[node].take().expect("node running");
        server.terminate();
        server
    }

    fn addr(&self, node: usize) -> SocketAddr {
        self.nodes[node].as_ref().expect("node running").addr
    }

    fn url(&self, node: usize, doc: &str, user: &str, access: TicketAccess) -> String {
        format!(
            "ws://{}/ws/docs/{doc}?ticket={}",
            self.addr(node),
            issue(&self.key, doc, user, access)
        )
    }

    async fn kill(&mut self, node: usize) {
        self.nodes[node].take().expect("node running").kill().await;
    }

    /// A counter of `/metrics` on `node` (`name` without `concord_` and `_total`).
    async fn counter(&self, node: usize, name: &str) -> u64 {
        metric(self.addr(node), &format!("concord_{name}_total")).await
    }
}

async fn metric(addr: SocketAddr, name: &str) -> u64 {
    let text = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("{name} in /metrics:\n{text}"))
        .trim()
        .parse()
        .unwrap()
}

async fn ready(addr: SocketAddr) -> StatusCode {
    match reqwest::get(format!("http://{addr}/readyz")).await {
        Ok(response) => response.status(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

async fn wait_ready(addr: SocketAddr) {
    let deadline = Instant::now() + WAIT;
    while ready(addr).await != StatusCode::OK {
        assert!(Instant::now() < deadline, "node {addr} never became ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn tokens(text: &str) -> usize {
    text.matches(';').count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stock_clients_on_three_nodes_converge_and_see_each_others_presence() {
    let nodes = Nodes::start(3).await;
    let mut alice = NodePeer::connect(&nodes.url(0, "plan", "alice", Write)).await;
    let mut bob = NodePeer::connect(&nodes.url(1, "plan", "bob", Write)).await;
    let carol = TestClient::connect(&nodes.url(2, "plan", "carol", Write)).await;
    alice.synced().await;
    bob.synced().await;
    carol.synced().await;

    for i in 0..10 {
        alice.insert(&format!("a{i};")).await;
        bob.insert(&format!("b{i};")).await;
        carol.insert(&format!("c{i};"));
    }
    alice
        .wait_until("every edit at alice (node 0)", |s| tokens(&s.text) == 30)
        .await;
    bob.wait_until("every edit at bob (node 1)", |s| tokens(&s.text) == 30)
        .await;
    carol
        .wait_until("every edit at carol (node 2)", |c| tokens(&c.text()) == 30)
        .await;
    let text = alice.state().await.text;
    assert_eq!(bob.state().await.text, text);
    assert_eq!(carol.text(), text);

    // Presence: alice's state reaches the other nodes' clients, under her server-given name.
    alice
        .set_awareness(json!({ "user": { "name": "Mallory" }, "cursor": 5 }))
        .await;
    bob.wait_until("alice's cursor at bob", |s| {
        s.peers
            .iter()
            .any(|p| p["cursor"] == 5 && p["user"]["name"] == "alice (name)")
    })
    .await;
    carol
        .wait_until("alice's cursor at carol", |c| {
            c.peers()
                .iter()
                .any(|(_, s)| s["cursor"] == 5 && s["user"]["id"] == "alice")
        })
        .await;
    // Bob's client echoes alice's state to node 1; it must stay hers, not become bob's.
    bob.set_awareness(json!({ "cursor": 9 })).await;
    alice
        .wait_until("bob's cursor at alice", |s| {
            s.peers.iter().any(|p| p["cursor"] == 9)
        })
        .await;
    let at_alice = alice.state().await.peers;
    assert!(
        at_alice
            .iter()
            .all(|p| p["cursor"] != 5 || p["user"]["id"] == "alice"),
        "{at_alice:?}"
    );
    // A client leaving one node leaves the others' presence too.
    alice.kill().await;
    carol
        .wait_until("alice gone at carol", |c| {
            c.peers().iter().all(|(_, s)| s["user"]["id"] != "alice")
        })
        .await;

    // A read-only client on node 1 is refused there, and nothing of it reaches node 2.
    let mut reader = NodePeer::connect(&nodes.url(1, "plan", "reader", Read)).await;
    reader.synced().await;
    reader.insert("not allowed;").await;
    reader.wait_event("permission-denied").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!carol.text().contains("not allowed"));
    assert!(nodes.counter(0, "cluster_messages_out").await > 0);
    assert!(nodes.counter(1, "cluster_messages_in").await > 0);
}

/// A space with a document of which `township` is a member, made on node 0.
async fn space_with_doc(nodes: &Nodes, world: &World) -> (String, String) {
    let convener = Api::signed_in_at(nodes.addr(0), "market").await;
    let (status, space) = convener
        .post(
            "/api/spaces",
            json!({ "kind": "meeting", "title": "联合执法协调会" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{space}");
    let space_id = space["id"].as_str().unwrap().to_owned();
    let (status, body) = convener
        .put(
            &format!("/api/spaces/{space_id}/members/{}", world.org("township")),
            json!({ "role": "member" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, doc) = convener
        .post(
            &format!("/api/spaces/{space_id}/docs"),
            json!({ "title": "会议纪要" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    (space_id, doc["doc_id"].as_str().unwrap().to_owned())
}

/// A socket on the node `api` talks to, with the ticket that node issues.
async fn socket(api: &Api, doc: &str) -> TestClient {
    let (status, body) = api
        .post(&format!("/api/docs/{doc}/ticket"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let url = format!(
        "ws://{}{}",
        api.base.trim_start_matches("http://"),
        body["url"].as_str().unwrap()
    );
    let client = TestClient::connect(&url).await;
    client.synced().await;
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_session_on_one_node_closes_its_socket_on_another_within_a_second() {
    let nodes = Nodes::start(2).await;
    let world = World::build_in(nodes._dirs[0].path(), Some(&nodes.database_url)).await;
    let (_space, doc) = space_with_doc(&nodes, &world).await;
    let laptop = Api::signed_in_at(nodes.addr(0), "township").await;
    let phone = Api::signed_in_at(nodes.addr(1), "township").await;
    let client = socket(&phone, &doc).await;
    let (_, listed) = laptop.get("/api/auth/sessions").await;
    let phone_session = listed["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (status, body) = laptop
        .delete(&format!("/api/auth/sessions/{phone_session}"))
        .await;
    assert!(status.is_success(), "{status} {body}");

    let closed = tokio::time::timeout(Duration::from_secs(1), client.wait_closed())
        .await
        .expect("the socket on node 1 closes within one second");
    assert_eq!(closed.code, 4403, "{closed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_made_observer_on_one_node_can_no_longer_write_on_another() {
    let nodes = Nodes::start(2).await;
    let world = World::build_in(nodes._dirs[0].path(), Some(&nodes.database_url)).await;
    let (space, doc) = space_with_doc(&nodes, &world).await;
    let township = Api::signed_in_at(nodes.addr(1), "township").await;
    let writer = socket(&township, &doc).await;
    let convener = Api::signed_in_at(nodes.addr(0), "market").await;
    let watcher = socket(&convener, &doc).await;
    writer.insert("写得进;");
    watcher.wait_text("写得进;").await;

    let (status, body) = convener
        .put(
            &format!("/api/spaces/{space}/members/{}", world.org("township")),
            json!({ "role": "observer" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Within a second the socket on node 1 re-checked its access: the edit is refused there.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    writer.insert("写不进;");
    writer
        .wait_until("refused as read-only", |c| !c.seen().denied.is_empty())
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(watcher.text(), "写得进;");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_freeze_on_one_node_makes_the_document_read_only_on_another() {
    let nodes = Nodes::start(2).await;
    let world = World::build_in(nodes._dirs[0].path(), Some(&nodes.database_url)).await;
    let bureau = Api::signed_in_at(nodes.addr(0), "county-bureau").await;
    let market_b = Api::signed_in_at(nodes.addr(1), "market").await;
    let meeting = held_meeting(&nodes, &world, &bureau).await;
    let doc = meeting["minutes_doc_id"].as_str().unwrap().to_owned();
    let id = meeting["id"].as_str().unwrap().to_owned();
    let writer = socket(&market_b, &doc).await;
    let watcher = socket(&bureau, &doc).await;
    writer.insert("议定事项一;");
    watcher.wait_text("议定事项一;").await;

    let (status, body) = bureau
        .post(&format!("/api/meetings/{id}/minutes/freeze"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "freeze: {body}");
    // Within a second node 1's room and socket have heard of it.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    writer.insert("冻结之后;");
    writer
        .wait_until("refused once frozen", |c| !c.seen().denied.is_empty())
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(watcher.text(), "议定事项一;");
    let fresh = socket(&bureau, &doc).await;
    assert_eq!(
        fresh.text(),
        "议定事项一;",
        "nothing after the freeze was stored"
    );
}

/// A meeting of the county bureau with market and township, held and ended, on node 0.
async fn held_meeting(nodes: &Nodes, world: &World, bureau: &Api) -> Value {
    const HOUR_MS: i64 = 3_600_000;
    let start = server::db::now_unix_ms() + 48 * HOUR_MS;
    let (status, created) = bureau
        .post(
            "/api/meetings",
            json!({
                "kind": "annual",
                "title": "2026年度行政执法协调会议",
                "starts_at": start,
                "ends_at": start + 2 * HOUR_MS,
                "place": "上城区司法局三楼会议室",
                "reply_due_at": start - 24 * HOUR_MS,
                "invited": [
                    { "org_id": world.org("market"), "role": "member" },
                    { "org_id": world.org("township"), "role": "member" },
                ],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let act = |command: &'static str| {
        let id = id.clone();
        async move {
            let (_, meeting) = bureau.get(&format!("/api/meetings/{id}")).await;
            let (status, body) = bureau
                .post(
                    &format!("/api/meetings/{id}/actions"),
                    json!({ "command": command, "revision": meeting["revision"] }),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{command}: {body}");
        }
    };
    act("issue_notice").await;
    for (code, person) in [("market", "张三"), ("township", "李四")] {
        let api = Api::signed_in_at(nodes.addr(0), code).await;
        let (status, body) = api
            .post(
                &format!("/api/meetings/{id}/invitations/{}", world.org(code)),
                json!({ "answer": "confirm", "attendee": person }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{code} confirms: {body}");
    }
    act("start").await;
    act("end").await;
    created
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_on_one_node_delivers_another_nodes_events_without_waiting_for_a_poll() {
    let nodes = Nodes::start(2).await;
    let world = World::build_in(nodes._dirs[0].path(), Some(&nodes.database_url)).await;
    let setter = Api::signed_in_at(nodes.addr(0), "market").await;
    let assignee = Api::signed_in_at(nodes.addr(1), "township").await;
    let mut stream = crate::sse::EventStream::open(&assignee, None, "").await;

    // The pump of a node with Redis polls only every 10 s: each event arriving well within
    // that came by the wake-up node 0 published.
    for round in 0..3 {
        let sent = Instant::now();
        let task = crate::tasks::new_task(
            &setter,
            world.org("township"),
            json!({ "title": format!("核查{round}") }),
        )
        .await;
        let message = stream.next().await;
        let took = sent.elapsed();
        assert_eq!(message.event, "task.dispatched", "{message:?}");
        assert_eq!(
            message.data["subject"],
            format!("task:{}", task["id"].as_str().unwrap())
        );
        assert!(
            took < Duration::from_secs(2),
            "event {round} took {took:?} to cross nodes"
        );
    }
}

/// A private `redis-server` on a free port, stopped on drop.
struct PrivateRedis {
    port: u16,
    child: Option<tokio::process::Child>,
}

impl PrivateRedis {
    async fn start(port: u16) -> PrivateRedis {
        let child = tokio::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--save", "", "--appendonly", "no"])
            .args(["--bind", "127.0.0.1"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect(
                "redis-server is required for the Redis fault test (`apt-get install redis-server`)",
            );
        let redis = PrivateRedis {
            port,
            child: Some(child),
        };
        let deadline = Instant::now() + WAIT;
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "redis-server did not start");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.start_kill().unwrap();
            child.wait().await.unwrap();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_converge_across_a_redis_restart_and_the_gap_is_repaired_from_the_database() {
    let port = free_port();
    let mut redis = PrivateRedis::start(port).await;
    let nodes = Nodes::start_on(2, redis.url()).await;
    let a = TestClient::connect(&nodes.url(0, "outage", "a", Write)).await;
    let b = TestClient::connect(&nodes.url(1, "outage", "b", Write)).await;
    a.synced().await;
    b.synced().await;
    a.insert("before;");
    b.wait_text("before;").await;

    redis.stop().await;
    // Written while the nodes cannot tell each other: only the database has it.
    a.insert("a-during;");
    b.insert("b-during;");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        ready(nodes.addr(0)).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "/readyz reports the lost Redis"
    );
    let _redis = PrivateRedis::start(port).await;

    let both = |text: &str| text.contains("a-during;") && text.contains("b-during;");
    a.wait_until("b's edit at a", |c| both(&c.text())).await;
    b.wait_until("a's edit at b", |c| both(&c.text())).await;
    a.insert("after;");
    b.wait_until("after the restart, edits cross again", |c| {
        c.text().contains("after;")
    })
    .await;
    assert_eq!(a.text(), b.text());
    for node in 0..2 {
        assert!(nodes.counter(node, "redis_reconnects").await >= 1);
        assert!(nodes.counter(node, "cluster_gaps_detected").await >= 1);
        assert!(
            nodes.counter(node, "cluster_gaps_repaired").await >= 1,
            "node {node} counted the repair"
        );
    }
    wait_ready(nodes.addr(0)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clients_of_the_surviving_nodes_converge_after_one_is_killed() {
    let mut nodes = Nodes::start(3).await;
    let clients: Vec<TestClient> = {
        let mut clients = Vec::new();
        for node in 0..3 {
            let client =
                TestClient::connect(&nodes.url(node, "kill", &format!("u{node}"), Write)).await;
            client.synced().await;
            clients.push(client);
        }
        clients
    };
    for round in 0..20 {
        for (node, client) in clients.iter().enumerate() {
            client.insert(&format!("n{node}r{round};"));
        }
        if round == 10 {
            nodes.kill(2).await;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Everything the survivors wrote, and whatever of the killed node's they received.
    let survivors = &clients[..2];
    let written = |text: &str| {
        (0..20).all(|r| text.contains(&format!("n0r{r};")) && text.contains(&format!("n1r{r};")))
    };
    for client in survivors {
        client
            .wait_until("the survivors' edits", |c| written(&c.text()))
            .await;
    }
    survivors[0]
        .wait_until("the survivors agree", |c| c.text() == survivors[1].text())
        .await;
    clients[2].wait_closed().await;
}

/// Starts `concord serve` and returns its exit status and what it printed, within `WAIT`.
async fn refused_start(args: &[&str]) -> (std::process::ExitStatus, String) {
    let dir = tempfile::tempdir().unwrap();
    let output = tokio::time::timeout(
        WAIT,
        tokio::process::Command::new(concord_binary())
            .args(["serve", "--listen", &format!("127.0.0.1:{}", free_port())])
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .env("RUST_LOG", "warn")
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("the node refuses to start instead of serving")
    .unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status, printed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_with_another_master_key_refuses_to_start_and_names_the_mismatch() {
    let nodes = Nodes::start(1).await;
    let (status, printed) = refused_start(&[
        "--database-url",
        &nodes.database_url,
        "--cluster",
        "--redis-url",
        &nodes.redis_url,
        "--redis-channel",
        &nodes.channel,
        "--ticket-secret",
        TICKET_SECRET,
        "--master-key",
        OTHER_MASTER_KEY,
    ])
    .await;
    assert!(!status.success());
    assert!(printed.contains("master key"), "{printed}");
    assert!(printed.contains("主密钥"), "{printed}");
    assert!(printed.contains("log key"), "{printed}");
    // The first node is unharmed.
    assert_eq!(ready(nodes.addr(0)).await, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_node_without_redis_or_on_sqlite_refuses_to_start_and_says_why() {
    let database_url = postgres::fresh_database_url().await;
    let (status, printed) = refused_start(&["--database-url", &database_url, "--cluster"]).await;
    assert!(!status.success());
    assert!(printed.contains("--redis-url"), "{printed}");

    let (status, printed) = refused_start(&["--redis-url", &redis_url()]).await;
    assert!(!status.success());
    assert!(printed.contains("PostgreSQL"), "{printed}");

    // Nothing listens on this port: a configured Redis that does not answer stops the start.
    let (status, printed) = refused_start(&[
        "--database-url",
        &database_url,
        "--cluster",
        "--redis-url",
        &format!("redis://127.0.0.1:{}/", free_port()),
    ])
    .await;
    assert!(!status.success());
    assert!(printed.contains("Redis"), "{printed}");
}

/// A load balancer as the tests' deployments have one: a TCP proxy that health-checks its
/// nodes' `/readyz` every 100 ms and sends each new connection to the first ready node in
/// its order (the first ready one at all when none is: the node refuses then, as a real
/// balancer's would). Long-lived connections stay where they were sent until either side
/// closes them.
struct Balancer {
    addr: SocketAddr,
    /// The health checks and the accepting loop (which owns the proxied connections).
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Balancer {
    async fn start(order: Vec<SocketAddr>) -> Balancer {
        use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
        use std::sync::Arc;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let ready: Arc<Vec<AtomicBool>> =
            Arc::new(order.iter().map(|_| AtomicBool::new(true)).collect());
        let health = tokio::spawn({
            let (order, ready) = (order.clone(), ready.clone());
            async move {
                let http = reqwest::Client::builder()
                    .timeout(Duration::from_millis(500))
                    .build()
                    .unwrap();
                loop {
                    for (i, node) in order.iter().enumerate() {
                        let ok = http
                            .get(format!("http://{node}/readyz"))
                            .send()
                            .await
                            .is_ok_and(|r| r.status() == StatusCode::OK);
                        ready[i].store(ok, Relaxed);
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        });
        let accept = tokio::spawn(async move {
            // Dropped with this task: every proxied connection ends with the balancer.
            let mut connections = tokio::task::JoinSet::new();
            loop {
                let (mut client, _) = listener.accept().await.unwrap();
                let node = (0..order.len())
                    .find(|&i| ready[i].load(Relaxed))
                    .map_or(order[0], |i| order[i]);
                connections.spawn(async move {
                    if let Ok(mut upstream) = tokio::net::TcpStream::connect(node).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                    }
                });
                while connections.try_join_next().is_some() {}
            }
        });
        Balancer {
            addr,
            tasks: vec![health, accept],
        }
    }

    /// `ws://<balancer>/ws/docs/{doc}?ticket=…`.
    fn url(&self, nodes: &Nodes, doc: &str, user: &str) -> String {
        format!(
            "ws://{}/ws/docs/{doc}?ticket={}",
            self.addr,
            issue(&nodes.key, doc, user, Write)
        )
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// One edit of the rolling-restart test: whose, and which.
fn edit_token(client: &str, round: usize) -> String {
    format!("<{client}.{round}>")
}

/// Waits for a node that was sent SIGTERM to exit; returns how long it took from `since`.
async fn exited(mut server: ChildServer, since: Instant) -> (std::process::ExitStatus, Duration) {
    let status = tokio::time::timeout(WAIT, server.child.wait())
        .await
        .expect("the drained node exits")
        .unwrap();
    (status, since.elapsed())
}

/// The grace every node here has, as a duration.
fn grace() -> Duration {
    Duration::from_secs(GRACE_SECS.parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_under_continuous_edits_loses_no_edit_and_every_client_converges() {
    let mut nodes = Nodes::start(2).await;
    let (a, b) = (nodes.addr(0), nodes.addr(1));
    // Two ways in: clients sent to node A while it is ready, and clients sent to B.
    let to_a = Balancer::start(vec![a, b]).await;
    let to_b = Balancer::start(vec![b, a]).await;
    let names = ["a1", "a2", "b1", "b2"];
    let mut clients = Vec::new();
    for name in names {
        let front = if name.starts_with('a') { &to_a } else { &to_b };
        let mut peer = NodePeer::connect(&front.url(&nodes, "rolling", name)).await;
        peer.synced().await;
        clients.push(peer);
    }
    // Continuous edits on both nodes; each node in turn is told to stop in the middle of them.
    const ROUNDS: usize = 15;
    let rounds = 0..5 * ROUNDS;
    for phase in 0..5 {
        let mut drained = None;
        for r in phase * ROUNDS..(phase + 1) * ROUNDS {
            for (client, name) in clients.iter_mut().zip(names) {
                client.insert(&edit_token(name, r)).await;
            }
            if r % ROUNDS == 5 {
                drained = match phase {
                    // A rolling restart: A first, then B.
                    1 => Some((0, a, nodes.terminate(0), Instant::now())),
                    3 => Some((1, b, nodes.terminate(1), Instant::now())),
                    _ => drained,
                };
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
        let Some((node, addr, server, since)) = drained else {
            continue;
        };
        let (status, took) = exited(server, since).await;
        assert!(
            status.success(),
            "node {node} exits cleanly after draining: {status:?}"
        );
        assert!(
            took <= grace() + Duration::from_secs(1),
            "node {node} took {took:?} to drain, more than its grace"
        );
        // Its clients were told to reconnect with 1012, and did (to the other node).
        let served_by_it: Vec<usize> = match node {
            0 => vec![0, 1],
            _ => vec![0, 1, 2, 3],
        };
        for &i in &served_by_it {
            let client = &mut clients[i];
            let closed = client.wait_event("closed").await;
            assert_eq!(closed["code"], 1012, "{}: {closed}", names[i]);
            assert!(
                closed["reason"].as_str().unwrap().starts_with("服务重启"),
                "{}: {closed}",
                names[i]
            );
            client.synced().await;
            // A retry that reached the draining node before the balancer noticed was refused
            // (503, a close without a code); what matters was the 1012 first.
            client.events.clear();
        }
        nodes.restart(node, addr).await;
    }

    // Everyone, and a newcomer on each node, ends with the same text holding every edit once.
    let mut late_a = NodePeer::connect(&to_a.url(&nodes, "rolling", "late-a")).await;
    let mut late_b = NodePeer::connect(&to_b.url(&nodes, "rolling", "late-b")).await;
    late_a.synced().await;
    late_b.synced().await;
    let complete = |text: &str| {
        rounds.clone().all(|r| {
            names
                .iter()
                .all(|name| text.matches(&edit_token(name, r)).count() == 1)
        })
    };
    for client in clients.iter_mut().chain([&mut late_a, &mut late_b]) {
        client
            .wait_until("every edit, each once", |s| complete(&s.text))
            .await;
    }
    let text = late_a.state().await.text;
    for client in clients.iter_mut().chain([&mut late_b]) {
        assert_eq!(client.state().await.text, text);
    }
    assert_eq!(
        text.matches('<').count(),
        names.len() * rounds.len(),
        "nothing but the edits, none twice"
    );
}

/// A request whose body never comes: it stays in flight on `addr` until the socket closes.
async fn stuck_request(addr: SocketAddr) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/auth/login HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\n\
         Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{{"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draining_node_answers_readyz_503_refuses_new_requests_and_exits_within_its_grace() {
    let mut nodes = Nodes::start(2).await;
    let a = nodes.addr(0);
    let http = reqwest::Client::new();
    // A request in flight holds the drain, so there is time to look at the node.
    let _held = stuck_request(a).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let socket = TestClient::connect(&nodes.url(0, "drain", "alice", Write)).await;
    socket.synced().await;

    let latecomer = nodes.url(0, "drain", "bob", Write);
    let server = nodes.terminate(0);
    let since = Instant::now();
    let closed = socket.wait_closed().await;
    assert_eq!(closed.code, 1012, "{closed:?}");

    let response = http.get(format!("http://{a}/readyz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    assert_eq!(body["error"]["reason"], "general.draining", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("本节点正在停机"),
        "{body}"
    );
    // Still alive for its operator, refusing everything else, a new socket included.
    let health = http
        .get(format!("http://{a}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let refused = http
        .get(format!("http://{a}/api/auth/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.headers()["connection"], "close");
    let upgrade = tokio_tungstenite::connect_async(latecomer).await;
    match upgrade {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503)
        }
        other => panic!("a new socket on a draining node is refused with 503: {other:?}"),
    }
    assert_eq!(
        ready(nodes.addr(1)).await,
        StatusCode::OK,
        "the other node serves on"
    );

    // The request never finishes; the node does not wait for it past its grace.
    let (status, took) = exited(server, since).await;
    assert!(status.success(), "{status:?}");
    assert!(
        took >= grace() / 2,
        "it waited for the request in flight: exited after {took:?}"
    );
    assert!(
        took <= grace() + Duration::from_secs(1),
        "exited after {took:?}"
    );
}

/// A gauge of `/metrics` on `addr`, as a number.
async fn gauge(addr: SocketAddr, name: &str) -> f64 {
    let text = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("{name} in /metrics:\n{text}"))
        .trim()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_nodes_lag_behind_the_others_is_a_metric_that_grows_while_cut_off_and_returns_to_zero()
{
    let port = free_port();
    let mut redis = PrivateRedis::start(port).await;
    let nodes = Nodes::start_on(2, redis.url()).await;
    let a = TestClient::connect(&nodes.url(0, "lag", "a", Write)).await;
    let b = TestClient::connect(&nodes.url(1, "lag", "b", Write)).await;
    a.synced().await;
    b.synced().await;
    a.insert("before;");
    b.wait_text("before;").await;
    for node in 0..2 {
        let addr = nodes.addr(node);
        assert_eq!(gauge(addr, "concord_cluster_lag_seconds").await, 0.0);
        assert_eq!(gauge(addr, "concord_cluster_lag_updates").await, 0.0);
    }

    // Cut off from the others: each node is behind since then, and says by how much.
    redis.stop().await;
    a.insert("while-cut-off;");
    tokio::time::sleep(Duration::from_millis(800)).await;
    for node in 0..2 {
        let lag = gauge(nodes.addr(node), "concord_cluster_lag_seconds").await;
        assert!(lag >= 0.5, "node {node} lags {lag} s after 0.8 s cut off");
    }
    let _redis = PrivateRedis::start(port).await;

    // Back on Redis and caught up from the database: no lag left.
    b.wait_until("the edit made while cut off", |c| {
        c.text().contains("while-cut-off;")
    })
    .await;
    for node in 0..2 {
        let addr = nodes.addr(node);
        let deadline = Instant::now() + WAIT;
        while gauge(addr, "concord_cluster_lag_seconds").await != 0.0 {
            assert!(Instant::now() < deadline, "node {node} still lags");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(gauge(addr, "concord_cluster_lag_updates").await, 0.0);
    }
}
