use scim_derive::ScimResource;

#[derive(ScimResource)]
#[scim(resource = "User")]
struct Account {
    #[scim(id)]
    id: String,
    #[scim(path = "userName")]
    login: String,
    #[scim(path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department")]
    department: Option<String>,
}

fn main() {}
