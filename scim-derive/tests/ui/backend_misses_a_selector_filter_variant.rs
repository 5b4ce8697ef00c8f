//! The work email (`emails[type eq "work"].value`, a selector path) was just made filterable: a
//! backend matching the generated filter exhaustively no longer compiles, and the error names
//! the new variant.
use scim_derive::ScimResource;

#[derive(ScimResource)]
#[scim(resource = "User")]
pub struct Account {
    #[scim(id)]
    pub id: Option<String>,
    #[scim(path = "userName", filter = "eq")]
    pub login: String,
    #[scim(path = "emails[type eq \"work\"].value", filter = "eq")]
    pub email: Option<String>,
}

fn condition(filter: &AccountFilter) -> String {
    match filter {
        AccountFilter::Id(AccountIdTest::Eq(id)) => format!("id = {id}"),
        AccountFilter::UserName(AccountUserNameTest::Eq(login)) => format!("login = {login}"),
        AccountFilter::And(a, b) => format!("({} AND {})", condition(a), condition(b)),
        AccountFilter::Or(a, b) => format!("({} OR {})", condition(a), condition(b)),
        AccountFilter::Not(a) => format!("NOT ({})", condition(a)),
    }
}

fn main() {
    let _ = condition;
}
