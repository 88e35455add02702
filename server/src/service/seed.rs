//! Synthetic networks for demos and benchmarks (`orgraph seed`).
//!
//! The shape is deterministic: a breadth-first tree where level `d` holds up to `fanout^d`
//! organizations, the last (partial) level spread evenly over the parents of the level above
//! (so the subtrees of one level have about the same size), plus a chain hanging from the last
//! organization of the deepest level down to `max_depth`. With 1,000,000 organizations and
//! fanout 10: 10 subtrees of ~100,000 at depth 1, 100 of ~10,000 at depth 2, and the deepest
//! organization at depth `max_depth`. Only the ids (random UUIDs) differ between two runs.
//!
//! Organization `k` (1-based) among the children of `Org 1.3` is named `Org 1.3.k`, so names
//! are unique among siblings. Rows are written level by level (parents before children, as
//! the foreign keys want), in transactions of [`ROWS_PER_TRANSACTION`] rows.

use chrono::{DateTime, Utc};

use crate::domain::contract_account::{ContractAccount, DEFAULT_PLAN};
use crate::domain::ids::{ContractAccountId, NetworkId, OrganizationId, UserId};
use crate::domain::organization::{Organization, OrganizationKind, NAME_MAX_CHARS};
use crate::domain::permissions::BuiltInRole;
use crate::domain::tree_path::TreePath;
use crate::store::{contract_accounts, grants, networks, organizations, users};

use super::error::{ApiError, ApiResult};
use super::Services;

/// Rows written per transaction: large enough that the per-commit fsync is negligible,
/// small enough to keep the WAL and the memory held by one batch modest.
pub const ROWS_PER_TRANSACTION: usize = 50_000;

#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub organizations: u64,
    pub max_depth: i32,
    pub fanout: u32,
    pub owner_email: String,
}

#[derive(Debug, Clone)]
pub struct SeedReport {
    pub network_id: NetworkId,
    pub root_id: OrganizationId,
    pub deepest_id: OrganizationId,
    pub deepest_depth: i32,
    pub organizations: u64,
    /// The owner: OPS_ADMIN of the root.
    pub owner_id: UserId,
    /// The account every seeded organization uses.
    pub contract_account_id: ContractAccountId,
}

/// How many organizations each level holds, and the chain below the deepest level.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shape {
    /// `levels[d]` organizations at depth `d`; `levels[0] == 1` (the root).
    levels: Vec<u64>,
    /// Organizations of the chain hanging from the last organization of the deepest level.
    chain: u64,
}

impl Shape {
    fn plan(total: u64, fanout: u64, max_depth: u64) -> Self {
        let mut chain = 0;
        loop {
            let levels = Self::levels(total - chain, fanout, max_depth);
            let height = levels.len() as u64 - 1;
            let wanted = max_depth.saturating_sub(height).min(total - 1);
            // `wanted` only grows as the chain takes nodes from the levels: this ends.
            if wanted <= chain {
                return Self { levels, chain };
            }
            chain = wanted;
        }
    }

    /// Breadth-first fill of `count` organizations; the level at `max_depth` takes the rest.
    fn levels(count: u64, fanout: u64, max_depth: u64) -> Vec<u64> {
        let mut levels: Vec<u64> = vec![1];
        let mut remaining = count.saturating_sub(1);
        while remaining > 0 {
            let depth = levels.len() as u64;
            let previous = levels.last().copied().unwrap_or(1);
            let capacity = if depth >= max_depth {
                remaining
            } else {
                previous.saturating_mul(fanout)
            };
            let here = capacity.min(remaining);
            levels.push(here);
            remaining -= here;
        }
        levels
    }
}

/// Children of parent `index` when `children` are spread over `parents` as evenly as
/// possible (the remainder distributed Bresenham-style, not piled on the first parents).
fn children_of(index: u64, parents: u64, children: u64) -> u64 {
    let share = |i: u64| (u128::from(i) * u128::from(children) / u128::from(parents)) as u64;
    share(index + 1) - share(index)
}

/// What a level keeps of its organizations for the level below.
struct Placed {
    id: OrganizationId,
    path: TreePath,
    label: String,
}

/// Builds the organizations of one network in breadth-first order.
struct Builder {
    network: NetworkId,
    account: ContractAccountId,
    now: DateTime<Utc>,
    next_seq: i64,
}

impl Builder {
    fn organization(&mut self, parent: Option<&Placed>, index: u64) -> (Organization, Placed) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let (path, label) = match parent {
            Some(parent) => (
                parent.path.child(seq),
                format!("{}.{}", parent.label, index + 1),
            ),
            None => (TreePath::root(seq), (index + 1).to_string()),
        };
        let mut name = format!("Org {label}");
        if name.chars().count() > NAME_MAX_CHARS {
            // Very deep trees with a large fanout: still unique among siblings (no dot).
            name = format!("Org #{seq}");
        }
        let org = Organization {
            id: OrganizationId::new_random(),
            network_id: self.network,
            seq,
            parent_id: parent.map(|p| p.id),
            depth: path.depth(),
            path: path.clone(),
            name,
            kind: OrganizationKind::Customer,
            contract_account_id: self.account,
            created_at: self.now,
            updated_at: self.now,
            deleted_at: None,
            purge_after: None,
            deletion_id: None,
            sets_contract_account: parent.is_none(),
        };
        let placed = Placed {
            id: org.id,
            path,
            label,
        };
        (org, placed)
    }
}

impl Services {
    /// Builds one network of `options.organizations` organizations; `progress` is called with
    /// the number inserted so far after every committed transaction.
    ///
    /// Not one transaction: a failure leaves the network partially built (parents always
    /// before their children, so it is still a consistent tree).
    pub fn seed_network_blocking(
        &self,
        options: &SeedOptions,
        progress: &dyn Fn(u64),
        now: DateTime<Utc>,
    ) -> ApiResult<SeedReport> {
        let shape = self.seed_shape(options)?;
        let total = options.organizations;
        let reserved = i64::try_from(total)
            .map_err(|_| ApiError::bad_input("organizations", "is too large"))?;

        // The owner, the account, the network and its root, in a first short transaction.
        let network = NetworkId::new_random();
        let email = options.owner_email.clone();
        let (owner, account) = self.store.write_blocking(|conn| {
            let owner = users::find_or_create(conn, &email, None, now)?;
            let account = ContractAccount {
                id: ContractAccountId::new_random(),
                name: format!("Seed network ({total} organizations)"),
                billing_email: email.clone(),
                plan: DEFAULT_PLAN.to_owned(),
                owner_user_id: owner.id,
                created_at: now,
                updated_at: now,
            };
            contract_accounts::insert(conn, &account)?;
            networks::insert(conn, network, reserved, now)?;
            Ok::<_, ApiError>((owner, account.id))
        })?;
        let mut builder = Builder {
            network,
            account,
            now,
            next_seq: 1,
        };
        let (root, root_placed) = builder.organization(None, 0);
        let root_id = root.id;
        self.store.write_blocking(|conn| {
            organizations::insert(conn, std::slice::from_ref(&root))?;
            grants::insert(
                conn,
                network,
                owner.id,
                BuiltInRole::OpsAdmin.as_str(),
                root_id,
                now,
            )?;
            Ok::<_, ApiError>(())
        })?;
        let mut inserted = 1_u64;
        progress(inserted);

        let mut batch: Vec<Organization> = Vec::with_capacity(ROWS_PER_TRANSACTION);
        let flush = |batch: &mut Vec<Organization>, inserted: &mut u64| -> ApiResult<()> {
            if batch.is_empty() {
                return Ok(());
            }
            self.store.write_blocking(|conn| {
                organizations::insert(conn, batch)?;
                Ok::<_, ApiError>(())
            })?;
            *inserted += batch.len() as u64;
            batch.clear();
            progress(*inserted);
            Ok(())
        };

        let mut parents = vec![root_placed];
        let height = shape.levels.len() - 1;
        for (depth, &count) in shape.levels.iter().enumerate().skip(1) {
            let keep_all = depth < height;
            let parent_count = parents.len() as u64;
            let mut level = Vec::with_capacity(if keep_all { count as usize } else { 1 });
            for (parent_index, parent) in (0_u64..).zip(parents.iter()) {
                for child in 0..children_of(parent_index, parent_count, count) {
                    let (org, placed) = builder.organization(Some(parent), child);
                    batch.push(org);
                    if keep_all || level.is_empty() {
                        level.push(placed);
                    } else if let Some(last) = level.last_mut() {
                        *last = placed;
                    }
                    if batch.len() >= ROWS_PER_TRANSACTION {
                        flush(&mut batch, &mut inserted)?;
                    }
                }
            }
            parents = level;
        }
        // The chain hangs from the last organization of the deepest level.
        let mut tip = parents.pop().ok_or(ApiError::NotFound)?;
        for _ in 0..shape.chain {
            let (org, placed) = builder.organization(Some(&tip), 0);
            batch.push(org);
            tip = placed;
            if batch.len() >= ROWS_PER_TRANSACTION {
                flush(&mut batch, &mut inserted)?;
            }
        }
        flush(&mut batch, &mut inserted)?;
        self.store.write_blocking(|conn| {
            organizations::refresh_statistics(conn)?;
            Ok::<_, ApiError>(())
        })?;

        Ok(SeedReport {
            network_id: network,
            root_id,
            deepest_id: tip.id,
            deepest_depth: tip.path.depth(),
            organizations: inserted,
            owner_id: owner.id,
            contract_account_id: account,
        })
    }

    fn seed_shape(&self, options: &SeedOptions) -> ApiResult<Shape> {
        if options.organizations == 0 {
            return Err(ApiError::bad_input("organizations", "must be at least 1"));
        }
        if options.fanout == 0 {
            return Err(ApiError::bad_input("fanout", "must be at least 1"));
        }
        if options.max_depth < 0 || (options.max_depth == 0 && options.organizations > 1) {
            return Err(ApiError::bad_input(
                "maxDepth",
                "must be at least 1 for more than one organization",
            ));
        }
        self.limits.check_depth(options.max_depth)?;
        Ok(Shape::plan(
            options.organizations,
            u64::from(options.fanout),
            u64::try_from(options.max_depth).unwrap_or(0),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_million_has_the_benchmark_subtrees_and_depth() {
        let shape = Shape::plan(1_000_000, 10, 20);
        assert_eq!(shape.levels[..6], [1, 10, 100, 1_000, 10_000, 100_000]);
        assert_eq!(shape.levels.len(), 7);
        assert_eq!(shape.chain, 14);
        assert_eq!(shape.levels.iter().sum::<u64>() + shape.chain, 1_000_000);
        // The last level spreads evenly: every depth-1 subtree gets the same share ± 1.
        let last = shape.levels[6];
        let per_parent: Vec<u64> = (0..100_000)
            .map(|j| children_of(j, 100_000, last))
            .collect();
        assert_eq!(per_parent.iter().sum::<u64>(), last);
        let per_subtree: Vec<u64> = per_parent.chunks(10_000).map(|c| c.iter().sum()).collect();
        let (lo, hi) = (per_subtree.iter().min(), per_subtree.iter().max());
        assert!(
            hi.zip(lo).is_some_and(|(hi, lo)| hi - lo <= 1),
            "{per_subtree:?}"
        );
    }

    #[test]
    fn small_networks_reach_the_depth_they_can() {
        assert_eq!(
            Shape::plan(1, 10, 20),
            Shape {
                levels: vec![1],
                chain: 0
            }
        );
        assert_eq!(
            Shape::plan(5, 10, 20),
            Shape {
                levels: vec![1],
                chain: 4
            }
        );
        assert_eq!(
            Shape::plan(12, 10, 3),
            Shape {
                levels: vec![1, 9],
                chain: 2
            }
        );
        let wide = Shape::plan(50, 10, 1);
        assert_eq!(
            wide,
            Shape {
                levels: vec![1, 49],
                chain: 0
            }
        );
        let chain = Shape::plan(100, 1, 20);
        assert_eq!(chain.levels.iter().sum::<u64>() + chain.chain, 100);
        assert_eq!(chain.levels.len() - 1, 20);
    }
}
