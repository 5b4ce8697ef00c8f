//! Typed resources written by hand exactly as `#[derive(ScimResource)]` expands (see
//! TYPED_CONTRACT.md), shared by the `typed_*` tests and the `typed` benchmark.
#![allow(dead_code)]

use std::sync::LazyLock;

use scim::typed::{
    Binary, DescriptorSpec, FieldSpec, FilterFlag, Reference, ResourceDescriptor, ScimResource, ScimValue,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

const USER_RESOURCE_TYPE: &str = r#"{"id":"User","name":"User","endpoint":"/Users","description":"User Account","schema":"urn:ietf:params:scim:schemas:core:2.0:User","schemaExtensions":[{"schema":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","required":false}]}"#;
const GROUP_RESOURCE_TYPE: &str = r#"{"id":"Group","name":"Group","endpoint":"/Groups","description":"Group","schema":"urn:ietf:params:scim:schemas:core:2.0:Group"}"#;

const fn field(rust_name: &'static str, path: &'static str) -> FieldSpec {
    FieldSpec { rust_name, path, filter: FilterFlag::Default }
}

/// The issue's example: an app's account mapped onto core User + enterprise.
///
/// ```ignore
/// #[derive(ScimResource)]
/// #[scim(resource = "User", schema = "urn:...:core:2.0:User", extension = "urn:...:enterprise:2.0:User")]
/// struct Account {
///     #[scim(id)] id: Option<String>,
///     #[scim(path = "userName")] login: String,
///     #[scim(path = "name.givenName")] first_name: Option<String>,
///     #[scim(path = "emails[type eq \"work\"].value")] email: Option<String>,
///     #[scim(path = "urn:...:enterprise:2.0:User:department", filter = "eq sw")] department: Option<String>,
///     #[scim(path = "active")] enabled: bool,
///     #[scim(path = "urn:...:enterprise:2.0:User:manager.value")] manager: Option<String>,
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub id: Option<String>,
    pub login: String,
    pub first_name: Option<String>,
    pub email: Option<String>,
    pub department: Option<String>,
    pub enabled: bool,
    pub manager: Option<String>,
}

impl ScimResource for Account {
    fn descriptor() -> &'static ResourceDescriptor {
        static SPEC: DescriptorSpec = DescriptorSpec {
            resource_type_json: USER_RESOURCE_TYPE,
            schemas_json: &[
                include_str!("../fixtures/typed/account-core-user.json"),
                include_str!("../fixtures/typed/account-enterprise-user.json"),
            ],
            fields: &[
                field("id", "id"),
                field("login", "userName"),
                field("first_name", "name.givenName"),
                field("email", "emails[type eq \"work\"].value"),
                FieldSpec {
                    rust_name: "department",
                    path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                    filter: FilterFlag::Ops(&["eq", "sw"]),
                },
                field("enabled", "active"),
                field("manager", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"),
            ],
        };
        static DESCRIPTOR: LazyLock<ResourceDescriptor> = LazyLock::new(|| {
            ResourceDescriptor::build(&SPEC).expect("Account: the SCIM mapping was checked at compile time")
        });
        &DESCRIPTOR
    }
    fn id(&self) -> Option<String> {
        ScimValue::from_scim_value(ScimValue::to_scim_value(&self.id).as_ref()).ok().flatten()
    }
    fn to_scim(&self) -> serde_json::Value {
        let d = Self::descriptor();
        let mut o = d.new_object();
        d.field(0).put(&mut o, ScimValue::to_scim_value(&self.id));
        d.field(1).put(&mut o, ScimValue::to_scim_value(&self.login));
        d.field(2).put(&mut o, ScimValue::to_scim_value(&self.first_name));
        d.field(3).put(&mut o, ScimValue::to_scim_value(&self.email));
        d.field(4).put(&mut o, ScimValue::to_scim_value(&self.department));
        d.field(5).put(&mut o, ScimValue::to_scim_value(&self.enabled));
        d.field(6).put(&mut o, ScimValue::to_scim_value(&self.manager));
        d.finish(o)
    }
    fn from_scim(v: &serde_json::Value) -> scim::ScimResult<Self> {
        let d = Self::descriptor();
        Ok(Self {
            id: d.field(0).take(v)?,
            login: d.field(1).take(v)?,
            first_name: d.field(2).take(v)?,
            email: d.field(3).take(v)?,
            department: d.field(4).take(v)?,
            enabled: d.field(5).take(v)?,
            manager: d.field(6).take(v)?,
        })
    }
}

/// An element of `addresses`, as a serde struct (the `type` comes from the selector).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    pub street_address: Option<String>,
    pub locality: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}
scim::impl_scim_value_via_serde!(Address);

/// An element of `groups` (read-only membership).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRef {
    pub value: String,
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    pub display: Option<String>,
}

/// The enterprise `manager`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manager {
    pub value: Option<String>,
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    pub display_name: Option<String>,
}
scim::impl_scim_value_via_serde!(GroupRef, Manager);

/// Everything of RFC 7643 section 8.3 (the full User of section 8.2 with the enterprise
/// extension) that the built-in schemas can hold, with every path form: plain, sub-attribute,
/// selector (field by field and whole element), every-element sub-attribute, serde complex,
/// extension attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct FullUser {
    pub id: Option<String>,
    pub external_id: Option<String>,
    pub user_name: String,
    pub formatted_name: Option<String>,
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub middle_name: Option<String>,
    pub honorific_prefix: Option<String>,
    pub honorific_suffix: Option<String>,
    pub display_name: Option<String>,
    pub nick_name: Option<String>,
    pub profile_url: Option<Reference>,
    pub title: Option<String>,
    pub user_type: Option<String>,
    pub preferred_language: Option<String>,
    pub locale: Option<String>,
    pub timezone: Option<String>,
    pub active: Option<bool>,
    pub password: Option<String>,
    pub work_email: Option<String>,
    pub work_email_primary: Option<bool>,
    pub home_email: Option<String>,
    pub work_street: Option<String>,
    pub work_locality: Option<String>,
    pub work_region: Option<String>,
    pub work_postal_code: Option<String>,
    pub work_country: Option<String>,
    pub work_address: Option<String>,
    pub home_address: Option<Address>,
    pub work_phone: Option<String>,
    pub mobile_phone: Option<String>,
    pub aim: Option<String>,
    pub photo: Option<Reference>,
    pub thumbnail: Option<Reference>,
    pub groups: Vec<GroupRef>,
    pub certificates: Vec<Binary>,
    pub employee_number: Option<String>,
    pub cost_center: Option<String>,
    pub organization: Option<String>,
    pub division: Option<String>,
    pub department: Option<String>,
    pub manager: Option<Manager>,
    pub resource_type: Option<String>,
    pub created: Option<OffsetDateTime>,
    pub last_modified: Option<OffsetDateTime>,
    pub version: Option<String>,
    pub location: Option<Reference>,
}

static FULL_USER_SPEC: DescriptorSpec = DescriptorSpec {
    resource_type_json: USER_RESOURCE_TYPE,
    schemas_json: &[
        include_str!("../fixtures/typed/full-core-user.json"),
        include_str!("../fixtures/typed/full-enterprise-user.json"),
    ],
    fields: &[
        field("id", "id"),
        field("external_id", "externalId"),
        field("user_name", "userName"),
        field("formatted_name", "name.formatted"),
        FieldSpec {
            rust_name: "family_name",
            path: "name.familyName",
            filter: FilterFlag::Ops(&["eq", "sw", "co", "pr"]),
        },
        field("given_name", "name.givenName"),
        field("middle_name", "name.middleName"),
        field("honorific_prefix", "name.honorificPrefix"),
        field("honorific_suffix", "name.honorificSuffix"),
        FieldSpec { rust_name: "display_name", path: "displayName", filter: FilterFlag::Eq },
        field("nick_name", "nickName"),
        field("profile_url", "profileUrl"),
        field("title", "title"),
        field("user_type", "userType"),
        field("preferred_language", "preferredLanguage"),
        field("locale", "locale"),
        field("timezone", "timezone"),
        FieldSpec { rust_name: "active", path: "active", filter: FilterFlag::Eq },
        field("password", "password"),
        field("work_email", "emails[type eq \"work\"].value"),
        FieldSpec { rust_name: "work_email_primary", path: "emails[type eq \"work\"].primary", filter: FilterFlag::Eq },
        FieldSpec { rust_name: "home_email", path: "emails[type eq \"home\"].value", filter: FilterFlag::None },
        field("work_street", "addresses[type eq \"work\"].streetAddress"),
        FieldSpec {
            rust_name: "work_locality",
            path: "addresses[type eq \"work\"].locality",
            filter: FilterFlag::Ops(&["eq", "co"]),
        },
        field("work_region", "addresses[type eq \"work\"].region"),
        field("work_postal_code", "addresses[type eq \"work\"].postalCode"),
        field("work_country", "addresses[type eq \"work\"].country"),
        field("work_address", "addresses[type eq \"work\"].formatted"),
        field("home_address", "addresses[type eq \"home\"]"),
        field("work_phone", "phoneNumbers[type eq \"work\"].value"),
        field("mobile_phone", "phoneNumbers[type eq \"mobile\"].value"),
        field("aim", "ims[type eq \"aim\"].value"),
        field("photo", "photos[type eq \"photo\"].value"),
        field("thumbnail", "photos[type eq \"thumbnail\"].value"),
        field("groups", "groups"),
        field("certificates", "x509Certificates.value"),
        field("employee_number", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"),
        field("cost_center", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter"),
        field("organization", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization"),
        field("division", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division"),
        FieldSpec {
            rust_name: "department",
            path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            filter: FilterFlag::Ops(&["eq", "ne", "sw"]),
        },
        field("manager", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"),
        field("resource_type", "meta.resourceType"),
        FieldSpec { rust_name: "created", path: "meta.created", filter: FilterFlag::Ops(&["gt", "ge", "lt", "le"]) },
        FieldSpec { rust_name: "last_modified", path: "meta.lastModified", filter: FilterFlag::Ops(&["gt", "ge"]) },
        field("version", "meta.version"),
        field("location", "meta.location"),
    ],
};

impl ScimResource for FullUser {
    fn descriptor() -> &'static ResourceDescriptor {
        static DESCRIPTOR: LazyLock<ResourceDescriptor> = LazyLock::new(|| {
            ResourceDescriptor::build(&FULL_USER_SPEC).expect("FullUser: the SCIM mapping was checked at compile time")
        });
        &DESCRIPTOR
    }
    fn id(&self) -> Option<String> {
        ScimValue::from_scim_value(ScimValue::to_scim_value(&self.id).as_ref()).ok().flatten()
    }
    fn to_scim(&self) -> serde_json::Value {
        let d = Self::descriptor();
        let mut o = d.new_object();
        d.field(0).put(&mut o, ScimValue::to_scim_value(&self.id));
        d.field(1).put(&mut o, ScimValue::to_scim_value(&self.external_id));
        d.field(2).put(&mut o, ScimValue::to_scim_value(&self.user_name));
        d.field(3).put(&mut o, ScimValue::to_scim_value(&self.formatted_name));
        d.field(4).put(&mut o, ScimValue::to_scim_value(&self.family_name));
        d.field(5).put(&mut o, ScimValue::to_scim_value(&self.given_name));
        d.field(6).put(&mut o, ScimValue::to_scim_value(&self.middle_name));
        d.field(7).put(&mut o, ScimValue::to_scim_value(&self.honorific_prefix));
        d.field(8).put(&mut o, ScimValue::to_scim_value(&self.honorific_suffix));
        d.field(9).put(&mut o, ScimValue::to_scim_value(&self.display_name));
        d.field(10).put(&mut o, ScimValue::to_scim_value(&self.nick_name));
        d.field(11).put(&mut o, ScimValue::to_scim_value(&self.profile_url));
        d.field(12).put(&mut o, ScimValue::to_scim_value(&self.title));
        d.field(13).put(&mut o, ScimValue::to_scim_value(&self.user_type));
        d.field(14).put(&mut o, ScimValue::to_scim_value(&self.preferred_language));
        d.field(15).put(&mut o, ScimValue::to_scim_value(&self.locale));
        d.field(16).put(&mut o, ScimValue::to_scim_value(&self.timezone));
        d.field(17).put(&mut o, ScimValue::to_scim_value(&self.active));
        d.field(18).put(&mut o, ScimValue::to_scim_value(&self.password));
        d.field(19).put(&mut o, ScimValue::to_scim_value(&self.work_email));
        d.field(20).put(&mut o, ScimValue::to_scim_value(&self.work_email_primary));
        d.field(21).put(&mut o, ScimValue::to_scim_value(&self.home_email));
        d.field(22).put(&mut o, ScimValue::to_scim_value(&self.work_street));
        d.field(23).put(&mut o, ScimValue::to_scim_value(&self.work_locality));
        d.field(24).put(&mut o, ScimValue::to_scim_value(&self.work_region));
        d.field(25).put(&mut o, ScimValue::to_scim_value(&self.work_postal_code));
        d.field(26).put(&mut o, ScimValue::to_scim_value(&self.work_country));
        d.field(27).put(&mut o, ScimValue::to_scim_value(&self.work_address));
        d.field(28).put(&mut o, ScimValue::to_scim_value(&self.home_address));
        d.field(29).put(&mut o, ScimValue::to_scim_value(&self.work_phone));
        d.field(30).put(&mut o, ScimValue::to_scim_value(&self.mobile_phone));
        d.field(31).put(&mut o, ScimValue::to_scim_value(&self.aim));
        d.field(32).put(&mut o, ScimValue::to_scim_value(&self.photo));
        d.field(33).put(&mut o, ScimValue::to_scim_value(&self.thumbnail));
        d.field(34).put(&mut o, ScimValue::to_scim_value(&self.groups));
        d.field(35).put(&mut o, ScimValue::to_scim_value(&self.certificates));
        d.field(36).put(&mut o, ScimValue::to_scim_value(&self.employee_number));
        d.field(37).put(&mut o, ScimValue::to_scim_value(&self.cost_center));
        d.field(38).put(&mut o, ScimValue::to_scim_value(&self.organization));
        d.field(39).put(&mut o, ScimValue::to_scim_value(&self.division));
        d.field(40).put(&mut o, ScimValue::to_scim_value(&self.department));
        d.field(41).put(&mut o, ScimValue::to_scim_value(&self.manager));
        d.field(42).put(&mut o, ScimValue::to_scim_value(&self.resource_type));
        d.field(43).put(&mut o, ScimValue::to_scim_value(&self.created));
        d.field(44).put(&mut o, ScimValue::to_scim_value(&self.last_modified));
        d.field(45).put(&mut o, ScimValue::to_scim_value(&self.version));
        d.field(46).put(&mut o, ScimValue::to_scim_value(&self.location));
        d.finish(o)
    }
    fn from_scim(v: &serde_json::Value) -> scim::ScimResult<Self> {
        let d = Self::descriptor();
        Ok(Self {
            id: d.field(0).take(v)?,
            external_id: d.field(1).take(v)?,
            user_name: d.field(2).take(v)?,
            formatted_name: d.field(3).take(v)?,
            family_name: d.field(4).take(v)?,
            given_name: d.field(5).take(v)?,
            middle_name: d.field(6).take(v)?,
            honorific_prefix: d.field(7).take(v)?,
            honorific_suffix: d.field(8).take(v)?,
            display_name: d.field(9).take(v)?,
            nick_name: d.field(10).take(v)?,
            profile_url: d.field(11).take(v)?,
            title: d.field(12).take(v)?,
            user_type: d.field(13).take(v)?,
            preferred_language: d.field(14).take(v)?,
            locale: d.field(15).take(v)?,
            timezone: d.field(16).take(v)?,
            active: d.field(17).take(v)?,
            password: d.field(18).take(v)?,
            work_email: d.field(19).take(v)?,
            work_email_primary: d.field(20).take(v)?,
            home_email: d.field(21).take(v)?,
            work_street: d.field(22).take(v)?,
            work_locality: d.field(23).take(v)?,
            work_region: d.field(24).take(v)?,
            work_postal_code: d.field(25).take(v)?,
            work_country: d.field(26).take(v)?,
            work_address: d.field(27).take(v)?,
            home_address: d.field(28).take(v)?,
            work_phone: d.field(29).take(v)?,
            mobile_phone: d.field(30).take(v)?,
            aim: d.field(31).take(v)?,
            photo: d.field(32).take(v)?,
            thumbnail: d.field(33).take(v)?,
            groups: d.field(34).take(v)?,
            certificates: d.field(35).take(v)?,
            employee_number: d.field(36).take(v)?,
            cost_center: d.field(37).take(v)?,
            organization: d.field(38).take(v)?,
            division: d.field(39).take(v)?,
            department: d.field(40).take(v)?,
            manager: d.field(41).take(v)?,
            resource_type: d.field(42).take(v)?,
            created: d.field(43).take(v)?,
            last_modified: d.field(44).take(v)?,
            version: d.field(45).take(v)?,
            location: d.field(46).take(v)?,
        })
    }
}

/// A `members` element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub value: String,
    #[serde(rename = "$ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}
scim::impl_scim_value_via_serde!(Member);

/// A Group with its members as a serde complex type.
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    pub id: Option<String>,
    pub external_id: Option<String>,
    pub name: String,
    pub members: Vec<Member>,
}

impl ScimResource for Team {
    fn descriptor() -> &'static ResourceDescriptor {
        static SPEC: DescriptorSpec = DescriptorSpec {
            resource_type_json: GROUP_RESOURCE_TYPE,
            schemas_json: &[include_str!("../fixtures/typed/group-core-group.json")],
            fields: &[
                field("id", "id"),
                field("external_id", "externalId"),
                field("name", "displayName"),
                field("members", "members"),
            ],
        };
        static DESCRIPTOR: LazyLock<ResourceDescriptor> = LazyLock::new(|| {
            ResourceDescriptor::build(&SPEC).expect("Team: the SCIM mapping was checked at compile time")
        });
        &DESCRIPTOR
    }
    fn id(&self) -> Option<String> {
        ScimValue::from_scim_value(ScimValue::to_scim_value(&self.id).as_ref()).ok().flatten()
    }
    fn to_scim(&self) -> serde_json::Value {
        let d = Self::descriptor();
        let mut o = d.new_object();
        d.field(0).put(&mut o, ScimValue::to_scim_value(&self.id));
        d.field(1).put(&mut o, ScimValue::to_scim_value(&self.external_id));
        d.field(2).put(&mut o, ScimValue::to_scim_value(&self.name));
        d.field(3).put(&mut o, ScimValue::to_scim_value(&self.members));
        d.finish(o)
    }
    fn from_scim(v: &serde_json::Value) -> scim::ScimResult<Self> {
        let d = Self::descriptor();
        Ok(Self {
            id: d.field(0).take(v)?,
            external_id: d.field(1).take(v)?,
            name: d.field(2).take(v)?,
            members: d.field(3).take(v)?,
        })
    }
}
