use scim_derive::ScimResource;

#[derive(ScimResource)]
#[scim(
    resource = "User",
    schema_file = "schemas/no-such-extension.json",
    extension = "urn:example:params:scim:schemas:extension:acme:2.0:User"
)]
struct Account {
    #[scim(id)]
    id: String,
    #[scim(path = "userName")]
    login: String,
}

fn main() {}
