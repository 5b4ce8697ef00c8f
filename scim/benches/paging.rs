//! What a page costs at depth: the first page of 100 users out of 100,000 (or
//! `SCIM_PAGING_USERS`) against the last page (at user 99,900), by cursor (keyset: `WHERE (key, id) > (?, ?)`) and by `startIndex` (`OFFSET`),
//! in a SqliteStore file, unsorted and sorted by `userName`. A cursor page should cost the
//! same at any depth; an offset page grows with it.
//!
//! `cargo bench -p scim --bench paging` (seeding the 100,000 users takes a while first);
//! `SCIM_PAGING_USERS=1000000 cargo bench -p scim --bench paging` for a million.

use std::sync::{Arc, LazyLock};

use scim::filter::parse_attr_path;
use scim::schema::builtin;
use scim::store::{Keyset, KeysetPosition, ResourceKind, Scalar, Scope, SqliteStore, Store, StoreQuery};
use serde_json::json;

fn main() {
    divan::main();
}

const PAGE: usize = 100;

/// How many users the store holds: `SCIM_PAGING_USERS`, else 100,000.
static USERS: LazyLock<usize> = LazyLock::new(|| {
    std::env::var("SCIM_PAGING_USERS").ok().and_then(|n| n.parse().ok()).filter(|n| *n > PAGE).unwrap_or(100_000)
});

/// Where the last page starts.
fn deep() -> usize {
    *USERS - PAGE
}

struct Seeded {
    runtime: tokio::runtime::Runtime,
    store: SqliteStore,
    kind: Arc<ResourceKind>,
    /// The ids in `id` order and by userName (`user000000`, ...), for deep positions.
    ids_sorted: Vec<String>,
    ids_by_name: Vec<String>,
    _dir: std::path::PathBuf,
}

static SEEDED: LazyLock<Seeded> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dir = std::env::temp_dir().join(format!("scim-paging-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kind = Arc::new(ResourceKind::new(builtin::user_schema(), &["userName"]).unwrap());
    let (store, ids_by_name) = runtime.block_on(async {
        let url = format!("sqlite://{}", dir.join("bench.db").display());
        let store = SqliteStore::connect(&url).await.unwrap();
        store.register(std::slice::from_ref(&kind)).await.unwrap();
        let scope = Scope::new("t", &kind);
        let mut ids = Vec::with_capacity(*USERS);
        for n in 0..*USERS {
            let user = store.create(scope, json!({"userName": format!("user{n:06}")})).await.unwrap();
            ids.push(user["id"].as_str().unwrap().to_owned());
        }
        (store, ids)
    });
    let mut ids_sorted = ids_by_name.clone();
    ids_sorted.sort();
    Seeded { runtime, store, kind, ids_sorted, ids_by_name, _dir: dir }
});

/// One page of `PAGE` users at `depth`, by `method`, unsorted or by `userName`.
fn page(method: &str, depth: usize, sorted: bool) -> usize {
    let seeded = &*SEEDED;
    let schema = &seeded.kind.schema;
    let user_name = parse_attr_path("userName").unwrap();
    let sort_by = sorted.then(|| schema.resolve(&user_name).unwrap());
    let position = (depth > 0).then(|| {
        if sorted {
            let n = depth - 1;
            KeysetPosition { key: Some(Scalar::Text(format!("user{n:06}"))), id: seeded.ids_by_name[n].clone() }
        } else {
            KeysetPosition { key: None, id: seeded.ids_sorted[depth - 1].clone() }
        }
    });
    let query = match method {
        "cursor" => StoreQuery {
            sort_by,
            count: Some(PAGE + 1),
            keyset: Some(Keyset { after: position.as_ref() }),
            ..StoreQuery::default()
        },
        _ => StoreQuery { sort_by, count: Some(PAGE), start_index: depth + 1, ..StoreQuery::default() },
    };
    let scope = Scope::new("t", &seeded.kind);
    let page = seeded.runtime.block_on(seeded.store.list_for_response(scope, &query)).unwrap();
    page.resources.len()
}

#[divan::bench(args = ["cursor", "offset"], sample_count = 20)]
fn first_page(bencher: divan::Bencher, method: &str) {
    LazyLock::force(&SEEDED);
    bencher.bench(|| page(method, 0, false));
}

#[divan::bench(args = ["cursor", "offset"], sample_count = 20)]
fn last_page(bencher: divan::Bencher, method: &str) {
    LazyLock::force(&SEEDED);
    bencher.bench(|| page(method, deep(), false));
}

#[divan::bench(args = ["cursor", "offset"], sample_count = 20)]
fn first_page_by_user_name(bencher: divan::Bencher, method: &str) {
    LazyLock::force(&SEEDED);
    bencher.bench(|| page(method, 0, true));
}

#[divan::bench(args = ["cursor", "offset"], sample_count = 20)]
fn last_page_by_user_name(bencher: divan::Bencher, method: &str) {
    LazyLock::force(&SEEDED);
    bencher.bench(|| page(method, deep(), true));
}
