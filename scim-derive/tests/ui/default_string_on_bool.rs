use scim_derive::ScimResource;

#[derive(ScimResource)]
#[scim(resource = "User")]
struct Account {
    #[scim(id)]
    id: Option<String>,
    #[scim(path = "userName")]
    login: String,
    #[scim(path = "active", default = "yes")]
    enabled: bool,
}

fn main() {}
