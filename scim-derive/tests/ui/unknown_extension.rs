use scim_derive::ScimResource;

#[derive(ScimResource)]
#[scim(resource = "User", extension = "urn:ietf:params:scim:schemas:extension:enterprize:2.0:User")]
struct Account {
    #[scim(id)]
    id: String,
    #[scim(path = "userName")]
    login: String,
}

fn main() {}
