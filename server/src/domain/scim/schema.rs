//! The SCIM schemas this service speaks (RFC 7643 §4, §8.7): the core User with the
//! enterprise extension, and the core Group. One definition serves validation, PATCH paths
//! and the `/Schemas` endpoint, so what is advertised is what is accepted.

use serde_json::{json, Map, Value};

pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE_USER_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const LIST_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_OP_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const SERVICE_PROVIDER_CONFIG_URN: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
pub const RESOURCE_TYPE_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
pub const SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Boolean,
    Complex,
    Reference,
    DateTime,
    Binary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    Always,
    Never,
    Default,
}

/// One attribute of a schema (RFC 7643 §7).
#[derive(Debug, Clone, Copy)]
pub struct Attribute {
    pub name: &'static str,
    pub kind: Kind,
    pub multi_valued: bool,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub unique: bool,
    pub sub_attributes: &'static [Attribute],
    pub description: &'static str,
}

const fn string(name: &'static str, description: &'static str) -> Attribute {
    Attribute {
        name,
        kind: Kind::String,
        multi_valued: false,
        required: false,
        case_exact: false,
        mutability: Mutability::ReadWrite,
        returned: Returned::Default,
        unique: false,
        sub_attributes: &[],
        description,
    }
}

const fn of_kind(kind: Kind, name: &'static str, description: &'static str) -> Attribute {
    Attribute {
        kind,
        ..string(name, description)
    }
}

const fn complex(
    name: &'static str,
    sub_attributes: &'static [Attribute],
    description: &'static str,
) -> Attribute {
    Attribute {
        kind: Kind::Complex,
        sub_attributes,
        ..string(name, description)
    }
}

const fn multi(attribute: Attribute) -> Attribute {
    Attribute {
        multi_valued: true,
        ..attribute
    }
}

const fn read_only(attribute: Attribute) -> Attribute {
    Attribute {
        mutability: Mutability::ReadOnly,
        ..attribute
    }
}

/// The sub-attributes of a multi-valued attribute such as `emails` (RFC 7643 §2.4).
const VALUE_TYPE_PRIMARY: &[Attribute] = &[
    string("value", "The value."),
    string("display", "A human-readable name."),
    string("type", "A label, e.g. 'work' or 'home'."),
    of_kind(Kind::Boolean, "primary", "The preferred value."),
];

const NAME: &[Attribute] = &[
    string("formatted", "The full name, formatted for display."),
    string("familyName", "The family name."),
    string("givenName", "The given name."),
    string("middleName", "The middle name(s)."),
    string("honorificPrefix", "E.g. 'Ms.'."),
    string("honorificSuffix", "E.g. 'III'."),
];

const ADDRESS: &[Attribute] = &[
    string("formatted", "The full address."),
    string("streetAddress", "Street and number."),
    string("locality", "City or locality."),
    string("region", "State or region."),
    string("postalCode", "Zip code or postal code."),
    string("country", "Country."),
    string("type", "A label, e.g. 'work'."),
    of_kind(Kind::Boolean, "primary", "The preferred address."),
];

const GROUP_REFERENCE: &[Attribute] = &[
    read_only(string("value", "The group's id.")),
    read_only(of_kind(Kind::Reference, "$ref", "The group's URI.")),
    read_only(string("display", "The group's displayName.")),
    read_only(string("type", "'direct'.")),
];

const MANAGER: &[Attribute] = &[
    string("value", "The manager's id."),
    of_kind(Kind::Reference, "$ref", "The manager's URI."),
    read_only(string("displayName", "The manager's displayName.")),
];

const MEMBER: &[Attribute] = &[
    Attribute {
        mutability: Mutability::Immutable,
        ..string("value", "A member user's id.")
    },
    Attribute {
        mutability: Mutability::Immutable,
        ..of_kind(Kind::Reference, "$ref", "The member's URI.")
    },
    read_only(string("display", "The member's display name.")),
    Attribute {
        mutability: Mutability::Immutable,
        ..string("type", "'User'.")
    },
];

pub const USER_ATTRIBUTES: &[Attribute] = &[
    Attribute {
        required: true,
        unique: true,
        ..string(
            "userName",
            "Unique within the directory; usually the sign-in email.",
        )
    },
    complex("name", NAME, "The components of the user's name."),
    string("displayName", "The name to display."),
    string("nickName", "A casual name."),
    of_kind(Kind::Reference, "profileUrl", "An online profile."),
    string("title", "The user's title, e.g. 'Vice President'."),
    string("userType", "E.g. 'Employee' or 'Contractor'."),
    string("preferredLanguage", "E.g. 'en-US'."),
    string("locale", "E.g. 'en-US'."),
    string("timezone", "An IANA time zone, e.g. 'Europe/Berlin'."),
    of_kind(
        Kind::Boolean,
        "active",
        "false suspends the user's membership.",
    ),
    Attribute {
        mutability: Mutability::WriteOnly,
        returned: Returned::Never,
        ..string(
            "password",
            "Accepted and discarded: people sign in through the identity provider.",
        )
    },
    multi(complex("emails", VALUE_TYPE_PRIMARY, "Email addresses.")),
    multi(complex(
        "phoneNumbers",
        VALUE_TYPE_PRIMARY,
        "Phone numbers.",
    )),
    multi(complex(
        "ims",
        VALUE_TYPE_PRIMARY,
        "Instant messaging addresses.",
    )),
    multi(complex("photos", VALUE_TYPE_PRIMARY, "URLs of photos.")),
    multi(complex("addresses", ADDRESS, "Physical addresses.")),
    read_only(multi(complex(
        "groups",
        GROUP_REFERENCE,
        "The groups the user belongs to.",
    ))),
    multi(complex("entitlements", VALUE_TYPE_PRIMARY, "Entitlements.")),
    multi(complex(
        "roles",
        VALUE_TYPE_PRIMARY,
        "Roles in the directory (not Orgraph roles).",
    )),
    multi(complex(
        "x509Certificates",
        VALUE_TYPE_PRIMARY,
        "Certificates.",
    )),
];

pub const ENTERPRISE_USER_ATTRIBUTES: &[Attribute] = &[
    string(
        "employeeNumber",
        "The organization's identifier of the person.",
    ),
    string("costCenter", "The cost center."),
    string("organization", "The organization's name."),
    string("division", "The division."),
    string("department", "The department."),
    complex("manager", MANAGER, "The user's manager."),
];

pub const GROUP_ATTRIBUTES: &[Attribute] = &[
    Attribute {
        required: true,
        unique: true,
        ..string("displayName", "Unique within the directory.")
    },
    multi(complex("members", MEMBER, "The group's member users.")),
];

/// A schema: its URN, name and attributes.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub attributes: &'static [Attribute],
}

pub const USER: Schema = Schema {
    id: USER_URN,
    name: "User",
    description: "A user of the organization's directory.",
    attributes: USER_ATTRIBUTES,
};

pub const ENTERPRISE_USER: Schema = Schema {
    id: ENTERPRISE_USER_URN,
    name: "EnterpriseUser",
    description: "Enterprise attributes of a user.",
    attributes: ENTERPRISE_USER_ATTRIBUTES,
};

pub const GROUP: Schema = Schema {
    id: GROUP_URN,
    name: "Group",
    description: "A group of the organization's directory.",
    attributes: GROUP_ATTRIBUTES,
};

/// A resource type: its core schema and extensions.
#[derive(Debug, Clone, Copy)]
pub struct ResourceSchemas {
    pub core: Schema,
    pub extensions: &'static [Schema],
}

pub const USER_RESOURCE: ResourceSchemas = ResourceSchemas {
    core: USER,
    extensions: &[ENTERPRISE_USER],
};

pub const GROUP_RESOURCE: ResourceSchemas = ResourceSchemas {
    core: GROUP,
    extensions: &[],
};

impl ResourceSchemas {
    /// The extension whose URN is `urn` (case-insensitive).
    pub fn extension(&self, urn: &str) -> Option<&'static Schema> {
        self.extensions
            .iter()
            .find(|schema| schema.id.eq_ignore_ascii_case(urn))
    }

    /// Whether `urn` names the core schema or one of the extensions.
    pub fn knows(&self, urn: &str) -> bool {
        self.core.id.eq_ignore_ascii_case(urn) || self.extension(urn).is_some()
    }
}

/// The attribute called `name` (attribute names are case-insensitive, RFC 7643 §2.1).
pub fn find(attributes: &'static [Attribute], name: &str) -> Option<&'static Attribute> {
    attributes
        .iter()
        .find(|attribute| attribute.name.eq_ignore_ascii_case(name))
}

/// The `/Schemas` representation of a schema (RFC 7643 §7).
pub fn schema_resource(schema: &Schema, location: &str) -> Value {
    json!({
        "schemas": [SCHEMA_URN],
        "id": schema.id,
        "name": schema.name,
        "description": schema.description,
        "attributes": schema.attributes.iter().map(attribute_resource).collect::<Vec<_>>(),
        "meta": { "resourceType": "Schema", "location": location },
    })
}

fn attribute_resource(attribute: &Attribute) -> Value {
    let mut fields = Map::new();
    fields.insert("name".into(), attribute.name.into());
    fields.insert(
        "type".into(),
        match attribute.kind {
            Kind::String => "string",
            Kind::Boolean => "boolean",
            Kind::Complex => "complex",
            Kind::Reference => "reference",
            Kind::DateTime => "dateTime",
            Kind::Binary => "binary",
        }
        .into(),
    );
    fields.insert("multiValued".into(), attribute.multi_valued.into());
    fields.insert("description".into(), attribute.description.into());
    fields.insert("required".into(), attribute.required.into());
    if attribute.kind != Kind::Complex && attribute.kind != Kind::Boolean {
        fields.insert("caseExact".into(), attribute.case_exact.into());
    }
    fields.insert(
        "mutability".into(),
        match attribute.mutability {
            Mutability::ReadOnly => "readOnly",
            Mutability::ReadWrite => "readWrite",
            Mutability::Immutable => "immutable",
            Mutability::WriteOnly => "writeOnly",
        }
        .into(),
    );
    fields.insert(
        "returned".into(),
        match attribute.returned {
            Returned::Always => "always",
            Returned::Never => "never",
            Returned::Default => "default",
        }
        .into(),
    );
    fields.insert(
        "uniqueness".into(),
        if attribute.unique { "server" } else { "none" }.into(),
    );
    if attribute.kind == Kind::Reference {
        fields.insert(
            "referenceTypes".into(),
            json!(["external", "User", "Group"]),
        );
    }
    if !attribute.sub_attributes.is_empty() {
        fields.insert(
            "subAttributes".into(),
            attribute
                .sub_attributes
                .iter()
                .map(attribute_resource)
                .collect::<Vec<_>>()
                .into(),
        );
    }
    Value::Object(fields)
}
