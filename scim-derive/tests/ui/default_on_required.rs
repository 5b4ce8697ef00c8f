use scim_derive::ScimResource;

#[derive(ScimResource)]
#[scim(resource = "User")]
struct Account {
    #[scim(id)]
    id: Option<String>,
    #[scim(path = "userName", default = "anonymous")]
    login: String,
}

fn main() {}
