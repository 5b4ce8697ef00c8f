use scim_derive::ScimResource;

#[derive(ScimResource)]
#[scim(resource = "User")]
struct Account {
    #[scim(id)]
    id: String,
    #[scim(path = "userName", filter = "eq sw")]
    login: String,
    #[scim(path = "active", filter = "eq gt")]
    active: Option<bool>,
}

fn main() {}
