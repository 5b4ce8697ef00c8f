use scim_derive::ScimResource;

#[derive(ScimResource)]
#[scim(resource = "User")]
struct Account {
    #[scim(id)]
    id: String,
    #[scim(path = "userName")]
    login: String,
    #[scim(path = "name", filter)]
    name: Option<serde_json::Value>,
}

fn main() {}
