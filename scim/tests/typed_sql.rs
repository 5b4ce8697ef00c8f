//! `scim::typed::sql`: a typed backend over an app's SQLite table written with the runtime's
//! helpers only ([`SqlTable`] for the statements, `condition` for the filter and the sort), as
//! `scimgen new --backend typed` scaffolds one. It keeps the store contract (every filter
//! variant against the evaluator, sorting both ways against the runtime's order), and its sorts
//! run in SQL, in the order the runtime's in-memory sort gives, NULLs as RFC 7644 says; what
//! SQLite would order otherwise is declined, so the runtime sorts it.
#![cfg(all(feature = "server", feature = "sqlite"))]

use scim::filter::parse_attr_path;
use scim::query::SortOrder;
use scim::store::{Scope, Store, StoreQuery, compare_keys, sort_key, sort_target};
use scim::testkit::StoreContract;
use scim::typed::backend::{Backend, BackendError, BackendResult, ListQuery, Listed, Stored, TypedStore};
use scim::typed::sql::condition::{self, Literal, Op, Place, SortColumn};
use scim::typed::sql::{SqlQuery, SqlTable};
use scim_derive::ScimResource;
use serde_json::{Value, json};
use sqlx::sqlite::{SqlitePool, SqlitePoolOptions, SqliteRow};
use sqlx::{QueryBuilder, Row, Sqlite};

#[derive(Debug, Clone, PartialEq, ScimResource)]
#[scim(resource = "User", endpoint = "/Users")]
pub struct Member {
    #[scim(id)]
    pub id: Option<String>,
    #[scim(path = "userName", filter = "eq ne co sw ew gt ge lt le pr")]
    pub login: String,
    #[scim(path = "externalId", filter = "eq ne co sw ew gt ge lt le pr")]
    pub external_id: Option<String>,
    #[scim(path = "displayName", filter = "eq ne co pr")]
    pub display_name: Option<String>,
    #[scim(path = "active", filter = "eq ne pr")]
    pub active: Option<bool>,
}

const MEMBERS_TABLE: &str = "CREATE TABLE IF NOT EXISTS members (
    id INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1,
    created TEXT NOT NULL, updated TEXT NOT NULL,
    login TEXT NOT NULL, login_key TEXT NOT NULL, external_id TEXT, display_name TEXT COLLATE NOCASE,
    active INTEGER, UNIQUE (tenant, login_key))";

const TABLE: SqlTable = SqlTable {
    name: "members",
    id: "id",
    tenant: "tenant",
    version: "version",
    created: "created",
    updated: "updated",
    written: "login, login_key, external_id, display_name, active",
};

fn from_row(row: &SqliteRow) -> BackendResult<Stored<Member>> {
    let record = TABLE.record(row)?;
    let member = Member {
        id: Some(record.id.clone()),
        login: row.try_get("login")?,
        external_id: row.try_get("external_id")?,
        display_name: row.try_get("display_name")?,
        active: row.try_get("active")?,
    };
    Ok(Stored { resource: member, record })
}

fn bind<'q>(member: &'q Member, query: SqlQuery<'q>) -> SqlQuery<'q> {
    query.bind(&member.login).bind(member.login.to_lowercase()).bind(&member.external_id).bind(&member.display_name)
}

fn bound<'q>(member: &'q Member, query: SqlQuery<'q>) -> SqlQuery<'q> {
    bind(member, query).bind(member.active)
}

fn text(value: &str, case_exact: bool) -> Literal<'_> {
    Literal::Text { value, case_exact }
}

/// The generated filter, matched exhaustively with the runtime's condition helpers.
fn filter_sql(sql: &mut QueryBuilder<Sqlite>, filter: &MemberFilter) -> BackendResult<()> {
    let login = Place::Folded("login_key");
    let external = Place::Column("external_id");
    let display = Place::Column("display_name");
    match filter {
        MemberFilter::Id(MemberIdTest::Eq(id)) => condition::id(sql, "id", Op::Eq, id)?,
        MemberFilter::UserName(test) => match test {
            MemberUserNameTest::Eq(v) => condition::compare(sql, login, Op::Eq, text(v, false))?,
            MemberUserNameTest::Ne(v) => condition::compare(sql, login, Op::Ne, text(v, false))?,
            MemberUserNameTest::Co(v) => condition::compare(sql, login, Op::Co, text(v, false))?,
            MemberUserNameTest::Sw(v) => condition::compare(sql, login, Op::Sw, text(v, false))?,
            MemberUserNameTest::Ew(v) => condition::compare(sql, login, Op::Ew, text(v, false))?,
            MemberUserNameTest::Gt(v) => condition::compare(sql, login, Op::Gt, text(v, false))?,
            MemberUserNameTest::Ge(v) => condition::compare(sql, login, Op::Ge, text(v, false))?,
            MemberUserNameTest::Lt(v) => condition::compare(sql, login, Op::Lt, text(v, false))?,
            MemberUserNameTest::Le(v) => condition::compare(sql, login, Op::Le, text(v, false))?,
            MemberUserNameTest::Pr => condition::present(sql, login),
        },
        MemberFilter::ExternalId(test) => match test {
            MemberExternalIdTest::Eq(v) => condition::compare(sql, external, Op::Eq, text(v, true))?,
            MemberExternalIdTest::Ne(v) => condition::compare(sql, external, Op::Ne, text(v, true))?,
            MemberExternalIdTest::Co(v) => condition::compare(sql, external, Op::Co, text(v, true))?,
            MemberExternalIdTest::Sw(v) => condition::compare(sql, external, Op::Sw, text(v, true))?,
            MemberExternalIdTest::Ew(v) => condition::compare(sql, external, Op::Ew, text(v, true))?,
            MemberExternalIdTest::Gt(v) => condition::compare(sql, external, Op::Gt, text(v, true))?,
            MemberExternalIdTest::Ge(v) => condition::compare(sql, external, Op::Ge, text(v, true))?,
            MemberExternalIdTest::Lt(v) => condition::compare(sql, external, Op::Lt, text(v, true))?,
            MemberExternalIdTest::Le(v) => condition::compare(sql, external, Op::Le, text(v, true))?,
            MemberExternalIdTest::Pr => condition::present(sql, external),
        },
        MemberFilter::DisplayName(test) => match test {
            MemberDisplayNameTest::Eq(v) => condition::compare(sql, display, Op::Eq, text(v, false))?,
            MemberDisplayNameTest::Ne(v) => condition::compare(sql, display, Op::Ne, text(v, false))?,
            MemberDisplayNameTest::Co(v) => condition::compare(sql, display, Op::Co, text(v, false))?,
            MemberDisplayNameTest::Pr => condition::present(sql, display),
        },
        MemberFilter::Active(test) => match test {
            MemberActiveTest::Eq(v) => condition::compare(sql, Place::Column("active"), Op::Eq, Literal::Boolean(*v))?,
            MemberActiveTest::Ne(v) => condition::compare(sql, Place::Column("active"), Op::Ne, Literal::Boolean(*v))?,
            MemberActiveTest::Pr => condition::present(sql, Place::Column("active")),
        },
        MemberFilter::And(a, b) | MemberFilter::Or(a, b) => {
            filter_sql(sql.push("("), a)?;
            filter_sql(sql.push(if matches!(filter, MemberFilter::And(..)) { " AND " } else { " OR " }), b)?;
            sql.push(")");
        }
        MemberFilter::Not(inner) => {
            filter_sql(sql.push("NOT ("), inner)?;
            sql.push(")");
        }
    }
    Ok(())
}

/// The generated sort, as the plan names its columns.
fn sort_column(sort: MemberSort) -> BackendResult<SortColumn> {
    Ok(match sort {
        MemberSort::Id => SortColumn { place: Place::Id("id"), case_exact: true },
        MemberSort::UserName => SortColumn { place: Place::Folded("login_key"), case_exact: true },
        MemberSort::ExternalId => SortColumn { place: Place::Column("external_id"), case_exact: true },
        // NOCASE folds ASCII only: `condition::order` declines it.
        MemberSort::DisplayName => SortColumn { place: Place::Column("display_name"), case_exact: false },
        MemberSort::Active => SortColumn { place: Place::Column("active"), case_exact: true },
    })
}

#[derive(Debug, Clone)]
struct Members(SqlitePool);

#[async_trait::async_trait]
impl Backend<Member> for Members {
    async fn prepare(&self) -> BackendResult<()> {
        TABLE.prepare(&self.0, MEMBERS_TABLE, &[]).await
    }

    async fn create(&self, tenant: &str, member: Member) -> BackendResult<Stored<Member>> {
        from_row(&TABLE.insert(&self.0, tenant, |query| bound(&member, query)).await?)
    }

    async fn get(&self, tenant: &str, id: &str) -> BackendResult<Stored<Member>> {
        from_row(&TABLE.fetch(&self.0, tenant, id).await?)
    }

    async fn replace(
        &self,
        tenant: &str,
        id: &str,
        member: Member,
        expected: Option<u64>,
    ) -> BackendResult<Stored<Member>> {
        from_row(&TABLE.update(&self.0, tenant, id, expected, |query| bound(&member, query)).await?)
    }

    async fn delete(&self, tenant: &str, id: &str, expected: Option<u64>) -> BackendResult<()> {
        TABLE.delete(&self.0, tenant, id, expected).await
    }

    async fn list(&self, tenant: &str, query: &ListQuery<Member>) -> BackendResult<Listed<Member>> {
        let (total_results, rows) = TABLE.list(&self.0, tenant, query, filter_sql, sort_column).await?;
        Ok(Listed { total_results, resources: rows.iter().map(from_row).collect::<Result<_, _>>()? })
    }
}

/// Capitals beyond ASCII (`Émile` folds to `émile`, which sorts after `zoe`; SQLite's `lower`
/// would leave `É` before `a`), values absent from some, and case-exact external ids.
fn sample(i: usize) -> Value {
    let login = ["Émile", "bob", "Zoe", "ada", "ÖZGÜR", "carl", "Åsa", "dave"][i % 8];
    let mut member =
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": format!("{login}{i}")});
    if i % 3 != 2 {
        member["externalId"] = json!(["b-7", "B-7", "a-1", "ä-2", "A-10"][i % 5]);
    }
    if i % 4 != 1 {
        member["displayName"] = json!(["Émile", "ada", "Bob"][i % 3]);
    }
    if !i.is_multiple_of(5) {
        member["active"] = json!(i.is_multiple_of(2));
    }
    member
}

async fn pool() -> SqlitePool {
    // One connection: every connection to `sqlite::memory:` is a database of its own.
    SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await.unwrap()
}

#[tokio::test]
async fn a_table_on_the_runtime_helpers_keeps_the_store_contract() {
    let contract = StoreContract::for_type::<Member>(sample);
    let store = TypedStore::<Member, _>::new(Members(pool().await));
    store.register(&[contract.kind()]).await.unwrap();
    contract.run(&store).await;
}

/// Each sort the table can order as the runtime does runs in SQL (the backend answers, not
/// declines), both ways, in the order of the runtime's in-memory sort: missing values last when
/// ascending, first when descending, ties in creation order. A case-insensitive sort outside a
/// key column is declined, so that the runtime sorts it.
#[tokio::test]
async fn sorts_run_in_sql_in_the_order_the_runtime_sorts() {
    let contract = StoreContract::for_type::<Member>(sample);
    let kind = contract.kind();
    let backend = Members(pool().await);
    let store = TypedStore::<Member, _>::new(backend.clone());
    store.register(std::slice::from_ref(&kind)).await.unwrap();
    for i in 0..24 {
        store.create(Scope::new("acme", &kind), sample(i)).await.unwrap();
    }
    store.create(Scope::new("globex", &kind), sample(3)).await.unwrap();
    let created = store.list(Scope::new("acme", &kind), &StoreQuery::default()).await.unwrap().resources;
    assert_eq!(created.len(), 24);
    for (sort, path) in [
        (MemberSort::Id, "id"),
        (MemberSort::UserName, "userName"),
        (MemberSort::ExternalId, "externalId"),
        (MemberSort::Active, "active"),
    ] {
        let attr = kind.schema.resolve(&parse_attr_path(path).unwrap()).unwrap();
        let target = sort_target(attr).unwrap();
        for order in [SortOrder::Ascending, SortOrder::Descending] {
            let mut expected = created.clone();
            expected.sort_by(|a, b| {
                let o = compare_keys(sort_key(&target, a).as_ref(), sort_key(&target, b).as_ref());
                if order == SortOrder::Descending { o.reverse() } else { o }
            });
            let expected: Vec<&str> = expected.iter().map(|r| r["id"].as_str().unwrap()).collect();
            let query = ListQuery::<Member> { sort: Some((sort, order)), ..ListQuery::everything() };
            let listed = backend.list("acme", &query).await.unwrap_or_else(|e| panic!("{path} {order:?}: {e:?}"));
            let found: Vec<&str> = listed.resources.iter().map(|s| s.record.id.as_str()).collect();
            assert_eq!(found, expected, "sortBy {path} {order:?} in SQL");
            assert_eq!(listed.total_results, 24);
            // A page of the sorted list is that part of it.
            let page = ListQuery::<Member> { start_index: 5, count: Some(7), ..query };
            let paged = backend.list("acme", &page).await.unwrap();
            let found: Vec<&str> = paged.resources.iter().map(|s| s.record.id.as_str()).collect();
            assert_eq!((found.as_slice(), paged.total_results), (&expected[4..11], 24), "{path} {order:?} paged");
        }
    }
    let by_display_name =
        ListQuery::<Member> { sort: Some((MemberSort::DisplayName, SortOrder::Ascending)), ..ListQuery::everything() };
    let declined = backend.list("acme", &by_display_name).await;
    assert!(
        matches!(declined, Err(BackendError::Unsupported(ref why)) if why.contains("case-insensitive")),
        "{declined:?}"
    );
}
