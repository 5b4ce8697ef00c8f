// `column` was once accepted and read by nothing: a backend names its own columns (see
// `scim::typed::sql::SqlTable`), so the derive refuses it instead of ignoring it.
use scim_derive::ScimResource;

#[derive(ScimResource)]
#[scim(resource = "User")]
struct Account {
    #[scim(id)]
    id: Option<String>,
    #[scim(path = "userName", column = "login")]
    login: String,
}

fn main() {}
