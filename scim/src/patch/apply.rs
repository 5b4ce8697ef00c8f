//! Applying PATCH operations to a resource (RFC 7644 sections 3.5.2.1 to 3.5.2.3).
//!
//! See the [module documentation](super) for the semantics and the client quirks handled.

use serde_json::{Map, Value};

use super::journal::Journal;
use super::request::{PatchOpKind, PatchOperation};
use crate::error::{ScimError, ScimResult};
use crate::filter::ast::{AttrPath, CompValue, CompareOp, Filter};
use crate::filter::parse_path;
use crate::filter::resolve::{ResolvedFilter, resolve_value_filter};
use crate::resource::is_redundant_schemas_member;
use crate::schema::{Attribute, AttributeType, Extension, Mutability, ResolvedAttr, ResourceSchema};
use crate::value::{coerce_at, coerce_single_at};

/// What a successful PATCH did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatchOutcome {
    /// Whether the resource differs from before (RFC 7644 section 3.5.2.1: adding a value that
    /// is already there "SHALL NOT change the modify timestamp"; the server bumps `meta` only
    /// when this is set).
    pub changed: bool,
    /// How the `members` of a group changed (empty for other resources).
    pub members: MemberDelta,
}

/// The net change to a group's `members`, as member ids (the `value` sub-attribute).
///
/// The state after the request is: (`replaced` ? nothing : the members before) minus `removed`
/// plus `added`. `added` and `removed` never share an id, and each lists an id once. A store
/// can apply this directly (insert and delete rows of a membership table) instead of rewriting
/// the whole member list, so adding one member to a group of 100 000 costs one insert.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberDelta {
    /// Every member before the request was dropped (`replace members`, `remove members`).
    pub replaced: bool,
    /// Ids that became members.
    pub added: Vec<String>,
    /// Ids that stopped being members (always empty when `replaced`).
    pub removed: Vec<String>,
}

impl MemberDelta {
    /// Whether membership did not change.
    pub fn is_empty(&self) -> bool {
        !self.replaced && self.added.is_empty() && self.removed.is_empty()
    }

    fn record_added(&mut self, id: &str) {
        if let Some(index) = self.removed.iter().position(|r| r == id) {
            // It was a member before the request, was removed, and is back.
            self.removed.remove(index);
        } else {
            self.added.push(id.to_owned());
        }
    }

    fn record_removed(&mut self, id: &str) {
        if let Some(index) = self.added.iter().position(|a| a == id) {
            self.added.remove(index);
        } else if !self.replaced {
            self.removed.push(id.to_owned());
        }
    }

    fn record_cleared(&mut self) {
        self.replaced = true;
        self.added.clear();
        self.removed.clear();
    }
}

/// Apply `operations` in order to `resource` (a resource in canonical form, see the crate
/// docs), as one atomic change: if any operation fails, `resource` is left exactly as it was
/// (it serialises to the same bytes) and the error, prefixed with `Operations[i]`, is returned.
///
/// After a successful PATCH that changed something, `schemas` lists the core schema followed by
/// the extensions present in the resource. `meta` is not touched: that is the server's job.
pub fn apply_patch(
    resource: &mut Value,
    operations: &[PatchOperation],
    schema: &ResourceSchema,
) -> ScimResult<PatchOutcome> {
    let Value::Object(map) = resource else {
        return Err(ScimError::internal("the resource to patch is not a JSON object"));
    };
    let members_attr = schema
        .core
        .attribute("members")
        .filter(|a| a.multi_valued && a.kind == AttributeType::Complex && a.sub_attribute("value").is_some());
    let mut engine =
        Engine { schema, doc: Doc { map, journal: Journal::default() }, delta: MemberDelta::default(), members_attr };
    match engine.run(operations) {
        Ok(changed) => Ok(PatchOutcome { changed, members: engine.delta }),
        Err(error) => {
            engine.doc.journal.roll_back(engine.doc.map);
            Err(error)
        }
    }
}

/// Where a value comes from, which decides how `readOnly` attributes in it are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// The operation's `path` names the attribute: changing a `readOnly` attribute is an error
    /// (RFC 7644 section 3.5.2: "a client MUST NOT modify an attribute that has mutability
    /// readOnly").
    Path,
    /// The attribute is a key of a path-less value object: `readOnly` attributes there (`id`,
    /// `schemas`, `meta`, which Okta echoes back) are ignored, as RFC 7643 section 2.2 and RFC
    /// 7644 section 3.5.1 have servers do for a PUT body.
    Value,
}

/// What an operation's path designates once resolved.
enum Target<'s> {
    /// A whole extension object (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`).
    Extension(&'s Extension),
    /// An attribute, possibly with a sub-attribute, and for multi-valued attributes maybe a
    /// selection of its elements.
    Attr(ResolvedAttr<'s>, Option<Selector<'s>>),
}

/// The elements of a multi-valued attribute an operation applies to.
struct Selector<'s> {
    /// The value filter; `None` selects every element (`emails.value` without brackets).
    filter: Option<ResolvedFilter<'s>>,
    /// The sub-attribute values a new element gets when nothing matches (`type eq "work"` gives
    /// `{"type": "work"}`); `None` when the filter is not a conjunction of `eq` comparisons, in
    /// which case nothing can be created and a miss is `noTarget`.
    template: Option<Map<String, Value>>,
}

impl Selector<'_> {
    fn matches(&self, element: &Value) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(element))
    }
}

/// The resource being changed, with its undo journal.
struct Doc<'r> {
    map: &'r mut Map<String, Value>,
    journal: Journal,
}

impl Doc<'_> {
    /// The object holding `attr` (the resource, or its extension object), after journalling
    /// the top-level key about to change. With `create`, a missing extension object is made.
    fn container(&mut self, attr: &ResolvedAttr<'_>, create: bool) -> ScimResult<Option<&mut Map<String, Value>>> {
        match attr.extension_urn() {
            None => {
                self.journal.touch(self.map, &attr.attribute.name);
                Ok(Some(&mut *self.map))
            }
            Some(urn) => {
                self.journal.touch(self.map, urn);
                if create && !self.map.contains_key(urn) {
                    self.map.insert(urn.to_owned(), Value::Object(Map::new()));
                }
                match self.map.get_mut(urn) {
                    None => Ok(None),
                    Some(Value::Object(object)) => Ok(Some(object)),
                    Some(_) => Err(ScimError::internal(format!("the stored extension {urn} is not an object"))),
                }
            }
        }
    }

    /// The resource, for appending to the top-level list `attr` (cheap to journal); other
    /// attributes get [`container`](Self::container).
    fn container_for_append(&mut self, attr: &ResolvedAttr<'_>) -> ScimResult<Option<&mut Map<String, Value>>> {
        if attr.extension_urn().is_some() {
            return self.container(attr, true);
        }
        self.journal.touch_for_append(self.map, &attr.attribute.name);
        Ok(Some(&mut *self.map))
    }

    /// Drop the extension object of `attr` if nothing is left in it.
    fn prune_extension(&mut self, attr: &ResolvedAttr<'_>) {
        if let Some(urn) = attr.extension_urn()
            && self.map.get(urn).and_then(Value::as_object).is_some_and(Map::is_empty)
        {
            self.map.shift_remove(urn);
        }
    }
}

struct Engine<'r, 's> {
    schema: &'s ResourceSchema,
    doc: Doc<'r>,
    delta: MemberDelta,
    members_attr: Option<&'s Attribute>,
}

impl<'s> Engine<'_, 's> {
    fn run(&mut self, operations: &[PatchOperation]) -> ScimResult<bool> {
        for (index, operation) in operations.iter().enumerate() {
            self.operation(operation).map_err(|e| e.context(format_args!("Operations[{index}]")))?;
        }
        if !self.doc.journal.changed(self.doc.map) {
            return Ok(false);
        }
        self.sync_schemas();
        Ok(true)
    }

    fn operation(&mut self, operation: &PatchOperation) -> ScimResult<()> {
        match &operation.path {
            Some(path) => {
                let target = self.target(path)?;
                self.apply(operation.op, &target, operation.value.clone(), Origin::Path)
            }
            None => match &operation.value {
                Some(Value::Object(attributes)) if operation.op != PatchOpKind::Remove => {
                    self.apply_object(operation.op, attributes, None)
                }
                Some(_) if operation.op != PatchOpKind::Remove => Err(ScimError::invalid_syntax(format!(
                    "without a `path`, the `value` of {} must be an object of attributes",
                    operation.op.as_str()
                ))),
                _ => Err(ScimError::no_target("a remove operation needs a `path` (RFC 7644 section 3.5.2.2)")),
            },
        }
    }

    /// Resolve a PATCH path to what it designates. Unknown attributes are `400 invalidPath`.
    fn target(&self, path: &AttrPath) -> ScimResult<Target<'s>> {
        // A bare extension URN parses as urn `urn:...:2.0` + name `User` (split at the last colon).
        if let (Some(urn), None, None) = (&path.urn, &path.filter, &path.sub_attr)
            && let Some(extension) = self.schema.extension(&format!("{urn}:{}", path.name))
        {
            return Ok(Target::Extension(extension));
        }
        let attr = self.schema.resolve(path)?;
        let selector = match &path.filter {
            Some(filter) => {
                if !attr.attribute.multi_valued {
                    return Err(ScimError::invalid_path(format!(
                        "a value filter `[...]` selects elements of a multi-valued attribute; `{}` is single-valued",
                        attr.attribute.name
                    )));
                }
                let parent = ResolvedAttr { sub_attribute: None, ..attr };
                let resolved = resolve_value_filter(filter, parent).map_err(|e| ScimError::invalid_path(e.detail))?;
                Some(Selector { filter: Some(resolved), template: template(filter, attr.attribute) })
            }
            // `emails.value` without brackets: every element's sub-attribute.
            None if attr.attribute.multi_valued && attr.sub_attribute.is_some() => {
                Some(Selector { filter: None, template: Some(Map::new()) })
            }
            None => None,
        };
        Ok(Target::Attr(attr, selector))
    }

    /// A path-less add or replace (or the value of a whole extension): every key is an
    /// attribute path of its own, applied as if it were the operation's path. Keys may be
    /// extension URNs holding objects, dotted (`name.givenName`), URN-qualified
    /// (`urn:...:User:manager`) or filtered (`emails[type eq "work"].value`): Entra ID sends
    /// all of these.
    fn apply_object(
        &mut self,
        kind: PatchOpKind,
        attributes: &Map<String, Value>,
        extension: Option<&'s Extension>,
    ) -> ScimResult<()> {
        for (key, value) in attributes {
            if extension.is_some_and(|e| is_redundant_schemas_member(&e.schema, key, value)) {
                continue;
            }
            if extension.is_none() {
                if let Some(extension) = self.schema.extension(key) {
                    self.apply(kind, &Target::Extension(extension), Some(value.clone()), Origin::Value)?;
                    continue;
                }
                if let (true, Value::Object(core)) = (key.eq_ignore_ascii_case(&self.schema.core.id), value) {
                    self.apply_object(kind, core, None)?;
                    continue;
                }
            }
            let mut path = parse_path(key).map_err(|e| {
                ScimError::invalid_path(format!("the value's key {key:?} is not an attribute path: {}", e.detail))
            })?;
            if let Some(extension) = extension
                && path.urn.is_none()
            {
                path.urn = Some(extension.schema.id.clone());
            }
            let target = self.target(&path).map_err(|e| e.context(format_args!("the value's key {key:?}")))?;
            self.apply(kind, &target, Some(value.clone()), Origin::Value)?;
        }
        Ok(())
    }

    fn apply(
        &mut self,
        kind: PatchOpKind,
        target: &Target<'s>,
        value: Option<Value>,
        origin: Origin,
    ) -> ScimResult<()> {
        match target {
            Target::Extension(extension) => self.apply_extension(kind, extension, value),
            Target::Attr(attr, selector) => {
                if let Some(read_only) = read_only_part(attr) {
                    return match origin {
                        Origin::Value => Ok(()),
                        Origin::Path => Err(ScimError::mutability(format!(
                            "`{}` is readOnly and cannot be changed by {}",
                            read_only,
                            kind.as_str()
                        ))),
                    };
                }
                let clearing = value.as_ref().is_none_or(is_clearing);
                let value = value.filter(|v| !is_clearing(v));
                match (kind, selector, value) {
                    (PatchOpKind::Remove, Some(selector), _) => self.remove_selected(attr, selector),
                    (PatchOpKind::Remove, None, Some(value)) if attr.attribute.multi_valued => {
                        self.remove_listed(attr, value)
                    }
                    (PatchOpKind::Remove, None, _) => self.remove(attr),
                    // Adding nothing to a list changes nothing; replacing it with nothing clears it.
                    (PatchOpKind::Add, None, _) if clearing && attr.attribute.multi_valued => Ok(()),
                    (_, Some(selector), None) => self.remove_selected(attr, selector),
                    (_, None, None) => self.remove(attr),
                    (kind, Some(selector), Some(value)) => self.set_selected(kind, attr, selector, value),
                    (kind, None, Some(value)) if attr.attribute.multi_valued => self.set_multi(kind, attr, value),
                    (_, None, Some(value)) => self.set_single(attr, value),
                }
            }
        }
    }

    fn apply_extension(&mut self, kind: PatchOpKind, extension: &'s Extension, value: Option<Value>) -> ScimResult<()> {
        let urn = extension.schema.id.as_str();
        match value.filter(|v| !is_clearing(v) && kind != PatchOpKind::Remove) {
            None => {
                if extension.required && self.doc.map.contains_key(urn) {
                    return Err(ScimError::mutability(format!(
                        "the extension {urn} is required and cannot be removed"
                    )));
                }
                if let Some(attribute) = extension.schema.attributes.iter().find(|a| a.required)
                    && self.doc.map.get(urn).and_then(|e| e.get(&attribute.name)).is_some()
                {
                    return Err(ScimError::mutability(format!(
                        "`{urn}:{}` is required and cannot be removed",
                        attribute.name
                    )));
                }
                self.doc.journal.touch(self.doc.map, urn);
                self.doc.map.shift_remove(urn);
                Ok(())
            }
            Some(Value::Object(attributes)) => self.apply_object(kind, &attributes, Some(extension)),
            Some(other) => Err(ScimError::invalid_value(format!(
                "the value for the extension {urn} must be an object of its attributes, not {other}"
            ))),
        }
    }

    /// Remove a single-valued attribute, a sub-attribute of a single-valued complex one, or a
    /// whole multi-valued attribute (RFC 7644 section 3.5.2.2). Removing what is not there is
    /// not an error.
    fn remove(&mut self, attr: &ResolvedAttr<'s>) -> ScimResult<()> {
        let a = attr.attribute;
        let is_members = self.is_members(a);
        let Some(container) = self.doc.container(attr, false)? else { return Ok(()) };
        match attr.sub_attribute {
            None => {
                if !container.contains_key(&a.name) {
                    return Ok(());
                }
                check_removable(attr, a)?;
                container.shift_remove(&a.name);
                if is_members {
                    self.delta.record_cleared();
                }
            }
            Some(sub) => {
                let Some(Value::Object(object)) = container.get_mut(&a.name) else { return Ok(()) };
                if !object.contains_key(&sub.name) {
                    return Ok(());
                }
                check_removable(attr, sub)?;
                if a.mutability == Mutability::Immutable {
                    return Err(immutable(attr));
                }
                object.shift_remove(&sub.name);
                if object.is_empty() {
                    if a.required {
                        return Err(required(a));
                    }
                    container.shift_remove(&a.name);
                }
            }
        }
        self.doc.prune_extension(attr);
        Ok(())
    }

    /// `remove` with a path to a multi-valued attribute and a value: remove the elements given
    /// (Entra ID removes one member with `{"path": "members", "value": [{"value": "id"}]}`; RFC
    /// 7644 has no such form, but removing everything instead would be data loss).
    fn remove_listed(&mut self, attr: &ResolvedAttr<'s>, value: Value) -> ScimResult<()> {
        let a = attr.attribute;
        let listed = coerce_elements(attr, value)?;
        let by_value = identified_by_value(a, self.is_members(a));
        let is_members = self.is_members(a);
        let Some(container) = self.doc.container(attr, false)? else { return Ok(()) };
        let Some(Value::Array(elements)) = container.get_mut(&a.name) else { return Ok(()) };
        let mut removed = Vec::new();
        elements.retain(|element| {
            let hit = listed.iter().any(|item| element_matches_item(element, item, by_value));
            if hit {
                removed.push(element.clone());
            }
            !hit
        });
        self.after_elements_removed(attr, &removed, is_members)
    }

    /// `remove` of the elements a selector picks, or of a sub-attribute of each
    /// (`emails[type eq "work"].value`). A filter that matches nothing removes nothing and is
    /// not an error: RFC 7644 section 3.5.2.2 lists no error for it, and a removal that has
    /// already happened (Okta retries) is best treated as done.
    fn remove_selected(&mut self, attr: &ResolvedAttr<'s>, selector: &Selector<'s>) -> ScimResult<()> {
        let a = attr.attribute;
        let is_members = self.is_members(a);
        let Some(container) = self.doc.container(attr, false)? else { return Ok(()) };
        let Some(Value::Array(elements)) = container.get_mut(&a.name) else { return Ok(()) };
        let mut removed = Vec::new();
        match attr.sub_attribute {
            None => elements.retain(|element| {
                let hit = selector.matches(element);
                if hit {
                    removed.push(element.clone());
                }
                !hit
            }),
            Some(sub) => {
                for element in elements.iter_mut().filter(|e| selector.matches(e)) {
                    let Value::Object(object) = element else { continue };
                    if object.contains_key(&sub.name) {
                        check_removable(attr, sub)?;
                        object.shift_remove(&sub.name);
                    }
                }
                // An element with no sub-attribute left is no value at all (RFC 7643 section 2.5).
                elements.retain(|element| {
                    let empty = element.as_object().is_some_and(Map::is_empty);
                    if empty {
                        removed.push(element.clone());
                    }
                    !empty
                });
            }
        }
        self.after_elements_removed(attr, &removed, is_members)
    }

    /// Bookkeeping after elements left a multi-valued attribute: the member delta, and an
    /// empty attribute becomes unassigned (unless it is required).
    fn after_elements_removed(
        &mut self,
        attr: &ResolvedAttr<'s>,
        removed: &[Value],
        is_members: bool,
    ) -> ScimResult<()> {
        let a = attr.attribute;
        if removed.is_empty() {
            return Ok(());
        }
        if a.mutability == Mutability::Immutable {
            return Err(immutable(attr));
        }
        if is_members {
            for id in removed.iter().filter_map(member_id) {
                self.delta.record_removed(id);
            }
        }
        if let Some(container) = self.doc.container(attr, false)?
            && container.get(&a.name).and_then(Value::as_array).is_some_and(Vec::is_empty)
        {
            if a.required {
                return Err(required(a));
            }
            container.shift_remove(&a.name);
        }
        self.doc.prune_extension(attr);
        Ok(())
    }

    /// add or replace on a single-valued attribute or a sub-attribute of one. For a complex
    /// attribute, add and replace both merge the given sub-attributes into the existing value
    /// (RFC 7644 section 3.5.2.3: "Sub-attributes that are not specified in the value
    /// parameter are left unchanged"; section 3.5.2.1 likewise replaces each given one).
    fn set_single(&mut self, attr: &ResolvedAttr<'s>, value: Value) -> ScimResult<()> {
        let a = attr.attribute;
        let path = attr.canonical();
        let leaf = attr.leaf();
        let mut value = coerce_single_at(leaf, value, &path)?;
        if value.is_null() {
            return self.remove(attr);
        }
        strip_read_only(leaf, &mut value);
        let Some(container) = self.doc.container(attr, true)? else { return Ok(()) };
        match attr.sub_attribute {
            None if a.kind == AttributeType::Complex => {
                let Value::Object(incoming) = value else { return Ok(()) };
                let slot = container.entry(a.name.clone()).or_insert_with(|| Value::Object(Map::new()));
                let Value::Object(existing) = slot else {
                    return Err(ScimError::internal(format!("the stored `{path}` is not an object")));
                };
                merge_element(attr, existing, incoming)?;
                if existing.is_empty() {
                    container.shift_remove(&a.name);
                }
            }
            None => {
                if a.mutability == Mutability::Immutable && container.get(&a.name).is_some_and(|old| *old != value) {
                    return Err(immutable(attr));
                }
                container.insert(a.name.clone(), value);
            }
            Some(sub) => {
                let slot = container.entry(a.name.clone()).or_insert_with(|| Value::Object(Map::new()));
                let Value::Object(existing) = slot else {
                    return Err(ScimError::internal(format!("the stored `{}` is not an object", a.name)));
                };
                let changes = existing.get(&sub.name).is_none_or(|old| *old != value);
                let was_set = existing.get(&sub.name).is_some();
                if changes
                    && ((sub.mutability == Mutability::Immutable && was_set)
                        || (a.mutability == Mutability::Immutable && !existing.is_empty()))
                {
                    return Err(immutable(attr));
                }
                existing.insert(sub.name.clone(), value);
            }
        }
        Ok(())
    }

    /// add or replace on a whole multi-valued attribute. `add` appends the values not already
    /// there (RFC 7644 section 3.5.2.1: "If the target location already contains the value
    /// specified, no changes SHOULD be made"); `replace` replaces the whole list (section
    /// 3.5.2.3).
    fn set_multi(&mut self, kind: PatchOpKind, attr: &ResolvedAttr<'s>, value: Value) -> ScimResult<()> {
        let a = attr.attribute;
        let is_members = self.is_members(a);
        let by_value = identified_by_value(a, is_members);
        let mut incoming = coerce_elements(attr, value)?;
        for element in &mut incoming {
            strip_read_only(a, element);
        }
        incoming.retain(|e| !e.as_object().is_some_and(Map::is_empty));
        let replace = kind == PatchOpKind::Replace;
        // Appending to a list without `primary` leaves its elements as they are, so the journal
        // need not copy it (adding a member to a large group).
        let append_only = !replace && a.sub_attribute("primary").is_none();
        let container =
            if append_only { self.doc.container_for_append(attr)? } else { self.doc.container(attr, true)? };
        let Some(container) = container else { return Ok(()) };
        if a.mutability == Mutability::Immutable
            && let Some(Value::Array(existing)) = container.get(&a.name)
            && !existing.is_empty()
        {
            let unchanged = match kind {
                PatchOpKind::Replace => *existing == incoming,
                _ => incoming.iter().all(|i| existing.iter().any(|e| same_element(e, i, by_value))),
            };
            if !unchanged {
                return Err(immutable(attr));
            }
        }
        let mut elements = match container.get_mut(&a.name) {
            _ if replace => Vec::new(),
            Some(Value::Array(elements)) => std::mem::take(elements),
            Some(_) => return Err(ScimError::internal(format!("the stored `{}` is not an array", a.name))),
            None => Vec::new(),
        };
        if replace && is_members {
            self.delta.record_cleared();
        }
        let mut written = Vec::new();
        let mut seen = (incoming.len() > SMALL_ADD).then(|| ElementIndex::new(&elements, by_value));
        for element in incoming {
            let duplicate = match &mut seen {
                Some(seen) => !seen.insert(&element),
                None => elements.iter().any(|e| same_element(e, &element, by_value)),
            };
            if duplicate {
                continue;
            }
            if is_members && let Some(id) = member_id(&element) {
                self.delta.record_added(id);
            }
            written.push(elements.len());
            elements.push(element);
        }
        enforce_single_primary(a, &mut elements, &written);
        if elements.is_empty() {
            // replace with an empty list: the attribute becomes unassigned.
            if a.required {
                return Err(required(a));
            }
            container.shift_remove(&a.name);
        } else {
            insert_keeping_position(container, &a.name, Value::Array(elements));
        }
        self.doc.prune_extension(attr);
        Ok(())
    }

    /// add or replace on the elements a selector picks, or on a sub-attribute of each
    /// (`emails[type eq "work"].value`, RFC 7644 section 3.5.2.3). When nothing matches and the
    /// filter is made of `eq` comparisons joined by `and`, a new element is made from them plus
    /// the value: Entra ID sets `emails[type eq "work"].value` on users without a work email
    /// and expects one to appear (RFC 7644 section 3.5.2.3 would answer `noTarget`, which
    /// stalls provisioning). Several operations on one filter thus fill one element.
    fn set_selected(
        &mut self,
        kind: PatchOpKind,
        attr: &ResolvedAttr<'s>,
        selector: &Selector<'s>,
        value: Value,
    ) -> ScimResult<()> {
        let a = attr.attribute;
        let path = attr.canonical();
        let is_members = self.is_members(a);
        let mut value = match attr.sub_attribute {
            Some(sub) => coerce_single_at(sub, value, &path)?,
            None => coerce_single_at(a, single_element(value), &path)?,
        };
        if value.is_null() {
            return self.remove_selected(attr, selector);
        }
        strip_read_only(attr.leaf(), &mut value);
        let Some(container) = self.doc.container(attr, true)? else { return Ok(()) };
        let elements = match container.entry(a.name.clone()).or_insert_with(|| Value::Array(Vec::new())) {
            Value::Array(elements) => elements,
            _ => return Err(ScimError::internal(format!("the stored `{}` is not an array", a.name))),
        };
        let matched: Vec<usize> =
            elements.iter().enumerate().filter(|(_, e)| selector.matches(e)).map(|(i, _)| i).collect();
        let mut added = Vec::new();
        let mut removed = Vec::new();
        let written = if matched.is_empty() {
            let Some(template) = &selector.template else {
                return Err(ScimError::no_target(format!(
                    "no value of `{}` matches the filter, and a new value can only be made from a filter of `eq` comparisons joined by `and`",
                    a.name
                )));
            };
            let mut element = Value::Object(template.clone());
            match (attr.sub_attribute, value) {
                (Some(sub), value) => {
                    if let Value::Object(object) = &mut element {
                        object.insert(sub.name.clone(), value);
                    }
                }
                (None, Value::Object(incoming)) => {
                    if let Value::Object(object) = &mut element {
                        object.extend(incoming);
                    }
                }
                (None, other) => element = other,
            }
            let element = coerce_single_at(a, element, &path)?;
            added.push(element.clone());
            elements.push(element);
            vec![elements.len() - 1]
        } else {
            for &index in &matched {
                let Some(element) = elements.get_mut(index) else { continue };
                let before = is_members.then(|| element.clone());
                match (attr.sub_attribute, element) {
                    (Some(sub), Value::Object(object)) => {
                        let old = object.get(&sub.name);
                        if sub.mutability == Mutability::Immutable && old.is_some_and(|o| *o != value) {
                            return Err(immutable(attr));
                        }
                        object.insert(sub.name.clone(), value.clone());
                    }
                    (Some(_), _) => continue,
                    (None, Value::Object(object)) if kind == PatchOpKind::Add => {
                        if let Value::Object(incoming) = &value {
                            merge_element(attr, object, incoming.clone())?;
                        }
                    }
                    (None, element) => {
                        if immutable_sub_changes(a, element, &value) {
                            return Err(immutable(attr));
                        }
                        *element = value.clone();
                    }
                }
                if let (Some(before), Some(after)) = (before, elements.get(index))
                    && member_id(&before) != member_id(after)
                {
                    removed.push(before);
                    added.push(after.clone());
                }
            }
            matched
        };
        enforce_single_primary(a, elements, &written);
        if is_members {
            for id in removed.iter().filter_map(member_id) {
                self.delta.record_removed(id);
            }
            for id in added.iter().filter_map(member_id) {
                self.delta.record_added(id);
            }
        }
        Ok(())
    }

    fn is_members(&self, attribute: &Attribute) -> bool {
        self.members_attr.is_some_and(|m| std::ptr::eq(m, attribute))
    }

    /// `schemas` lists the core schema, then each extension the resource has, in the resource
    /// type's order.
    fn sync_schemas(&mut self) {
        let schemas: Vec<Value> =
            std::iter::once(self.schema.core.id.as_str())
                .chain(
                    self.schema.extensions.iter().map(|e| e.schema.id.as_str()).filter(|urn| {
                        self.doc.map.get(*urn).is_some_and(|v| v.as_object().is_none_or(|o| !o.is_empty()))
                    }),
                )
                .map(|urn| Value::String(urn.to_owned()))
                .collect();
        if self.doc.map.get("schemas").and_then(Value::as_array) != Some(&schemas) {
            self.doc.journal.touch(self.doc.map, "schemas");
            insert_keeping_position(self.doc.map, "schemas", Value::Array(schemas));
        }
    }
}

/// Null, `""`, and `[]` given to add or replace clear the target (RFC 7643 section 2.5 treats
/// null and the empty array as unassigned; Entra ID clears attributes with `""`, e.g. a
/// manager with `{"op": "Replace", "path": "...:manager", "value": ""}`).
fn is_clearing(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// The canonical name of the readOnly part of `attr`, if the attribute or its sub-attribute is
/// readOnly.
fn read_only_part(attr: &ResolvedAttr<'_>) -> Option<String> {
    if attr.attribute.mutability == Mutability::ReadOnly
        || attr.sub_attribute.is_some_and(|s| s.mutability == Mutability::ReadOnly)
    {
        Some(attr.canonical())
    } else {
        None
    }
}

/// RFC 7644 section 3.5.2.2: removing a required attribute is a `mutability` error, and so is
/// removing an immutable one that has a value (RFC 7643 section 2.2: immutable "SHALL NOT be
/// updated").
fn check_removable(attr: &ResolvedAttr<'_>, leaf: &Attribute) -> ScimResult<()> {
    if leaf.required {
        return Err(required(leaf));
    }
    if leaf.mutability == Mutability::Immutable {
        return Err(immutable(attr));
    }
    Ok(())
}

fn required(attribute: &Attribute) -> ScimError {
    ScimError::mutability(format!(
        "`{}` is required and cannot be removed or left without a value (RFC 7644 section 3.5.2.2)",
        attribute.name
    ))
}

fn immutable(attr: &ResolvedAttr<'_>) -> ScimError {
    ScimError::mutability(format!(
        "`{}` is immutable: it may be set when it has no value, never changed (RFC 7643 section 2.2)",
        attr.canonical()
    ))
}

/// Drop readOnly sub-attributes a client included in a complex value (e.g. the enterprise
/// `manager.displayName`): they are ignored on input, as for PUT (RFC 7643 section 2.2).
fn strip_read_only(attribute: &Attribute, value: &mut Value) {
    if let Value::Object(object) = value
        && attribute.sub_attributes.iter().any(|s| s.mutability == Mutability::ReadOnly)
    {
        object.retain(|key, _| attribute.sub_attribute(key).is_none_or(|s| s.mutability != Mutability::ReadOnly));
    }
}

/// Merge coerced sub-attributes into an existing complex value, honouring immutability.
fn merge_element(
    attr: &ResolvedAttr<'_>,
    existing: &mut Map<String, Value>,
    incoming: Map<String, Value>,
) -> ScimResult<()> {
    for (key, value) in incoming {
        let old = existing.get(&key);
        let changes = old.is_none_or(|o| *o != value);
        let sub_immutable = attr.attribute.sub_attribute(&key).is_some_and(|s| s.mutability == Mutability::Immutable);
        if changes && ((sub_immutable && old.is_some()) || attr.attribute.mutability == Mutability::Immutable) {
            return Err(immutable(attr));
        }
        existing.insert(key, value);
    }
    Ok(())
}

/// Whether replacing `old` by `new` would change an immutable sub-attribute that has a value.
fn immutable_sub_changes(attribute: &Attribute, old: &Value, new: &Value) -> bool {
    attribute.sub_attributes.iter().filter(|s| s.mutability == Mutability::Immutable).any(|sub| {
        let before = old.get(&sub.name);
        before.is_some() && before != new.get(&sub.name)
    })
}

/// Coerce a value given for a whole multi-valued attribute into its elements. A single value
/// is taken as a one-element list: RFC 7644 section 3.5.2.1 adds "a new value" to a
/// multi-valued target, so unlike a resource body, a PATCH value may be one element.
fn coerce_elements(attr: &ResolvedAttr<'_>, value: Value) -> ScimResult<Vec<Value>> {
    let whole = ResolvedAttr { sub_attribute: None, ..*attr };
    let value = match value {
        Value::Array(_) | Value::Null => value,
        single => Value::Array(vec![single]),
    };
    match coerce_at(attr.attribute, value, &whole.canonical())? {
        Value::Array(elements) => Ok(elements),
        Value::Null => Ok(Vec::new()),
        other => Ok(vec![other]),
    }
}

/// One element given as a one-element array (`[{"value": ...}]`) is that element.
fn single_element(value: Value) -> Value {
    match value {
        Value::Array(mut elements) if elements.len() == 1 => elements.pop().unwrap_or(Value::Null),
        other => other,
    }
}

/// The id of a group member element.
fn member_id(element: &Value) -> Option<&str> {
    element.get("value").and_then(Value::as_str)
}

/// Whether elements of `attribute` are identified by their `value` (references to resources:
/// a member is the same member whatever its `display` or `type` say).
fn identified_by_value(attribute: &Attribute, is_members: bool) -> bool {
    is_members || (attribute.sub_attribute("value").is_some() && attribute.sub_attribute("$ref").is_some())
}

fn same_element(a: &Value, b: &Value, by_value: bool) -> bool {
    if by_value && let (Some(x), Some(y)) = (a.get("value"), b.get("value")) {
        return x == y;
    }
    a == b
}

/// Whether `element` is what a listed `item` of a remove designates: the same `value` for
/// references, otherwise every sub-attribute the item gives is equal.
fn element_matches_item(element: &Value, item: &Value, by_value: bool) -> bool {
    match (element, item) {
        (Value::Object(element), Value::Object(item)) => {
            if by_value && let Some(value) = item.get("value") {
                return element.get("value") == Some(value);
            }
            item.iter().all(|(k, v)| element.get(k) == Some(v))
        }
        (element, item) => element == item,
    }
}

/// Up to this many values, an add checks for duplicates by scanning the list (no allocation);
/// beyond, it builds an [`ElementIndex`].
const SMALL_ADD: usize = 8;

/// A set of the elements already in a list, for skipping duplicates in O(1) per element (a
/// `replace members` may carry thousands).
struct ElementIndex {
    keys: std::collections::HashSet<String>,
    by_value: bool,
}

impl ElementIndex {
    fn new(elements: &[Value], by_value: bool) -> Self {
        let mut index = ElementIndex { keys: std::collections::HashSet::with_capacity(elements.len()), by_value };
        for element in elements {
            index.insert(element);
        }
        index
    }

    fn key(&self, element: &Value) -> String {
        match (self.by_value, element.get("value")) {
            (true, Some(value)) => format!("v{value}"),
            _ => format!("e{element}"),
        }
    }

    /// Add `element`; false if an equal one was already there.
    fn insert(&mut self, element: &Value) -> bool {
        let key = self.key(element);
        self.keys.insert(key)
    }
}

/// RFC 7644 section 3.5.2: "a PATCH operation that sets a value's primary sub-attribute to
/// true SHALL cause the server to automatically set primary to false for any other values".
fn enforce_single_primary(attribute: &Attribute, elements: &mut [Value], written: &[usize]) {
    if attribute.sub_attribute("primary").is_none() {
        return;
    }
    let Some(&winner) = written.iter().rev().find(|&&i| elements.get(i).is_some_and(crate::value::is_primary)) else {
        return;
    };
    for (index, element) in elements.iter_mut().enumerate() {
        if index != winner
            && let Some(primary) = element.get_mut("primary")
            && *primary == Value::Bool(true)
        {
            *primary = Value::Bool(false);
        }
    }
}

/// Insert `key`, keeping its position when it exists (so an unchanged attribute order stays
/// unchanged).
fn insert_keeping_position(map: &mut Map<String, Value>, key: &str, value: Value) {
    match map.get_mut(key) {
        Some(slot) => *slot = value,
        None => {
            map.insert(key.to_owned(), value);
        }
    }
}

/// The sub-attribute values a filter of `eq` comparisons joined by `and` pins down, spelled as
/// the schema spells them; `None` for any other filter.
fn template(filter: &Filter, attribute: &Attribute) -> Option<Map<String, Value>> {
    fn collect(filter: &Filter, attribute: &Attribute, out: &mut Map<String, Value>) -> bool {
        match filter {
            Filter::Compare { path, op: CompareOp::Eq, value }
                if path.urn.is_none() && path.filter.is_none() && path.sub_attr.is_none() =>
            {
                let Some(sub) = attribute.sub_attribute(&path.name) else { return false };
                let value = match value {
                    CompValue::Null => return false,
                    CompValue::Bool(b) => Value::Bool(*b),
                    CompValue::Number(n) => Value::Number(n.clone()),
                    CompValue::String(s) => Value::String(s.clone()),
                };
                out.insert(sub.name.clone(), value);
                true
            }
            Filter::And(a, b) => collect(a, attribute, out) && collect(b, attribute, out),
            _ => false,
        }
    }
    let mut out = Map::new();
    collect(filter, attribute, &mut out).then_some(out)
}
