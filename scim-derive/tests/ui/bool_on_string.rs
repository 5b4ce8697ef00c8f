use scim_derive::ScimResource;

#[derive(ScimResource)]
#[scim(resource = "User")]
struct Account {
    #[scim(id)]
    id: String,
    #[scim(path = "userName")]
    login: bool,
}

fn main() {}
