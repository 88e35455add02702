//! `ContractAccount`: billing and licensing of organizations.

use async_graphql::{ComplexObject, Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use crate::domain::contract_account::ContractAccount;
use crate::domain::ids::ContractAccountId;
use crate::service::queries::CountQuery;

use super::batch_loader::BatchLoader;
use super::context::{access, loaders, services};
use super::loaders::ContractAccountLoader;
use super::pagination::{encode_cursor, page_info, split_page, PageInfo};

pub struct ContractAccountNode(pub ContractAccount);

/// The account if the caller manages it (`None` for one it may not see, as for an unknown
/// id), through the request's batched loader.
pub async fn managed_account(
    ctx: &Context<'_>,
    id: ContractAccountId,
) -> async_graphql::Result<Option<ContractAccount>> {
    let loader = loaders(ctx)?
        .managed_contract_accounts
        .get_or_try_init(|| async {
            Ok::<_, async_graphql::Error>(BatchLoader::new(ContractAccountLoader {
                services: services(ctx)?.clone(),
                managed_by: Some(access(ctx)?.account_manager().await?),
            }))
        })
        .await?;
    loader.load_one(id).await
}

#[Object(name = "ContractAccount")]
impl ContractAccountNode {
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn billing_email(&self) -> &str {
        &self.0.billing_email
    }

    async fn plan(&self) -> &str {
        &self.0.plan
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

#[derive(SimpleObject)]
#[graphql(name = "ContractAccountEdge")]
pub struct ContractAccountEdge {
    pub cursor: String,
    pub node: ContractAccountNode,
}

#[derive(SimpleObject)]
#[graphql(name = "ContractAccountConnection", complex)]
pub struct ContractAccountConnection {
    pub edges: Vec<ContractAccountEdge>,
    pub page_info: PageInfo,
    #[graphql(skip)]
    pub count: CountQuery,
}

#[ComplexObject]
impl ContractAccountConnection {
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        Ok(services(ctx)?.count(self.count.clone()).await?)
    }
}

impl ContractAccountConnection {
    pub fn build(rows: Vec<ContractAccount>, limit: i64, count: CountQuery) -> Self {
        let (rows, more) = split_page(rows, limit);
        let edges: Vec<ContractAccountEdge> = rows
            .into_iter()
            .map(|account| ContractAccountEdge {
                cursor: encode_cursor(&[&account.id.to_string()]),
                node: ContractAccountNode(account),
            })
            .collect();
        let cursors: Vec<String> = edges.iter().map(|e| e.cursor.clone()).collect();
        Self {
            edges,
            page_info: page_info(&cursors, more),
            count,
        }
    }
}
