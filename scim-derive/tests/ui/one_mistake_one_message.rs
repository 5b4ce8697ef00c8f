// The stub implementation keeps uses of the type from adding "trait not implemented" errors.
use scim::typed::ScimResource;
use scim_derive::ScimResource;

#[derive(ScimResource)]
#[scim(resource = "User")]
struct Account {
    #[scim(id)]
    id: String,
    #[scim(path = "userNam")]
    login: String,
}

fn main() {
    let _ = Account::descriptor();
}
