//! AWS Budgets: a monthly cost budget with e-mail alerts. Alerts (thresholds and e-mails) change in
//! place; a new limit replaces the budget (it holds no data).

use anyhow::Result;
use aws_sdk_budgets::types::{
    Budget, BudgetType, ComparisonOperator, Notification, NotificationType,
    NotificationWithSubscribers, Spend, Subscriber, SubscriptionType, ThresholdType, TimeUnit,
};
use serde_json::Value;

use super::{Attrs, Aws, Call, Live, Props, aws_error, code};

pub async fn read(c: &Call<'_>) -> Result<Option<Live>> {
    // The budget and its notifications at once; the notifications' answer is awaited only if the
    // budget is there (moto answers 500, retried, for the notifications of none).
    let (b, notes) = super::beside(
        c.aws
            .budgets
            .describe_budget()
            .account_id(&c.aws.account)
            .budget_name(&c.name)
            .send(),
        notifications_of(c),
    )
    .await;
    let b = match b {
        Ok(b) => b,
        Err(e) if code(&e) == "NotFoundException" => return Ok(None),
        Err(e) => return Err(aws_error("budgets:DescribeBudget", e)),
    };
    // Budgets are found by name: their tags cannot be listed on every endpoint (moto answers 500).
    let Some(budget) = b.budget() else {
        return Ok(None);
    };
    let mut a = Attrs::new();
    if let Some(limit) = budget
        .budget_limit()
        .and_then(|l| l.amount().parse::<f64>().ok())
    {
        a.insert("limit_usd".into(), Value::from(limit));
    }
    let notes = notes.await?;
    let mut thresholds: Vec<i64> = notes.iter().map(|n| n.threshold().round() as i64).collect();
    thresholds.sort();
    a.insert("thresholds_percent".into(), Value::from(thresholds));
    // Each notification's subscribers, all at once.
    let subscribers = futures::future::try_join_all(notes.iter().map(|n| async move {
        Ok::<_, anyhow::Error>(super::pages!(
            "budgets:DescribeSubscribersForNotification",
            c.aws
                .budgets
                .describe_subscribers_for_notification()
                .account_id(&c.aws.account)
                .budget_name(&c.name)
                .notification(n.clone())
        ))
    }))
    .await?;
    let emails: std::collections::BTreeSet<String> = subscribers
        .iter()
        .flatten()
        .flat_map(|p| p.subscribers())
        .filter(|s| s.subscription_type() == &SubscriptionType::Email)
        .map(|s| s.address().to_string())
        .collect();
    a.insert(
        "emails".into(),
        Value::from(emails.into_iter().collect::<Vec<_>>()),
    );
    let mut o = Attrs::new();
    o.insert("name".into(), Value::from(c.name.clone()));
    Ok(Some(Live {
        attrs: a,
        outputs: o,
        ..Default::default()
    }))
}

/// The budget's notifications (thresholds), without their subscribers.
async fn notifications_of(c: &Call<'_>) -> Result<Vec<Notification>> {
    let pages = super::pages!(
        "budgets:DescribeNotificationsForBudget",
        c.aws
            .budgets
            .describe_notifications_for_budget()
            .account_id(&c.aws.account)
            .budget_name(&c.name)
    );
    Ok(pages
        .iter()
        .flat_map(|p| p.notifications().to_vec())
        .collect())
}

/// One notification (actual spend above a percentage of the limit) per threshold, each e-mailing
/// every address.
fn notifications(p: &Attrs) -> Result<Vec<NotificationWithSubscribers>> {
    let emails = p.list("emails")?;
    let mut notes = Vec::new();
    for t in p
        .get("thresholds_percent")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let subs = emails
            .iter()
            .map(|e| {
                Subscriber::builder()
                    .subscription_type(SubscriptionType::Email)
                    .address(e)
                    .build()
            })
            .collect::<Result<Vec<_>, _>>()?;
        notes.push(
            NotificationWithSubscribers::builder()
                .notification(
                    Notification::builder()
                        .notification_type(NotificationType::Actual)
                        .comparison_operator(ComparisonOperator::GreaterThan)
                        .threshold(t.as_f64().unwrap_or(100.0))
                        .threshold_type(ThresholdType::Percentage)
                        .build()?,
                )
                .set_subscribers(Some(subs))
                .build()?,
        );
    }
    Ok(notes)
}

pub async fn create(c: &Call<'_>, p: &Attrs) -> Result<()> {
    let limit = p
        .get("limit_usd")
        .and_then(Value::as_f64)
        .unwrap_or_default();
    let notes = notifications(p)?;
    c.aws.mutated();
    let r = c
        .aws
        .budgets
        .create_budget()
        .account_id(&c.aws.account)
        .budget(
            Budget::builder()
                .budget_name(&c.name)
                .budget_limit(
                    Spend::builder()
                        .amount(format!("{limit:.2}"))
                        .unit("USD")
                        .build()?,
                )
                .time_unit(TimeUnit::Monthly)
                .budget_type(BudgetType::Cost)
                .build()?,
        )
        .set_notifications_with_subscribers(Some(notes))
        .send()
        .await;
    match r {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "DuplicateRecordException" => Ok(()),
        Err(e) => Err(aws_error("budgets:CreateBudget", e)),
    }
}

pub async fn delete(c: &Call<'_>) -> Result<()> {
    c.aws.mutated();
    match c
        .aws
        .budgets
        .delete_budget()
        .account_id(&c.aws.account)
        .budget_name(&c.name)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if code(&e) == "NotFoundException" => Ok(()),
        Err(e) => Err(aws_error("budgets:DeleteBudget", e)),
    }
}

/// Every budget name of the account.
pub async fn budget_names(aws: &Aws) -> Result<Vec<String>> {
    let page = super::pages!(
        "budgets:DescribeBudgets",
        aws.budgets.describe_budgets().account_id(&aws.account)
    );
    Ok(page
        .iter()
        .flat_map(|p| p.budgets())
        .map(|b| b.budget_name().to_string())
        .collect())
}

/// New alerts: the budget's notifications are replaced by one per threshold with the new e-mails.
pub async fn update(c: &Call<'_>, p: &Attrs, _live: &Live, _changed: &[String]) -> Result<()> {
    let have = notifications_of(c).await?;
    for n in have {
        c.aws.mutated();
        match c
            .aws
            .budgets
            .delete_notification()
            .account_id(&c.aws.account)
            .budget_name(&c.name)
            .notification(n.clone())
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if code(&e) == "NotFoundException" => {}
            Err(e) => return Err(aws_error("budgets:DeleteNotification", e)),
        }
    }
    for n in notifications(p)? {
        c.aws.mutated();
        c.aws
            .budgets
            .create_notification()
            .account_id(&c.aws.account)
            .budget_name(&c.name)
            .set_notification(n.notification().cloned())
            .set_subscribers(Some(n.subscribers().to_vec()))
            .send()
            .await
            .map_err(|e| aws_error("budgets:CreateNotification", e))?;
    }
    Ok(())
}
