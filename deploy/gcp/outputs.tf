# The values the Helm release's ConfigMap needs (deploy/helm/trident-env.yaml).

output "product_datasets" {
  description = "Domain -> dataset of its data products."
  value       = { for domain, dataset in google_bigquery_dataset.product : domain => dataset.dataset_id }
}

output "landing_datasets" {
  description = "Domain -> dataset of its landing tables."
  value       = { for domain, dataset in google_bigquery_dataset.landing : domain => dataset.dataset_id }
}

output "runtime_service_account" {
  description = "Annotate the Kubernetes service account with iam.gke.io/gcp-service-account set to this."
  value       = google_service_account.runtime.email
}

output "compute_logs_bucket" {
  description = "DAGSTER_COMPUTE_LOGS_BUCKET."
  value       = google_storage_bucket.compute_logs.name
}

output "taxonomy" {
  description = "Resource name of the classification taxonomy."
  value       = google_data_catalog_taxonomy.classification.name
}

output "policy_tags" {
  description = "Classification -> policy tag resource name."
  value       = { for c, tag in google_data_catalog_policy_tag.classification : c => tag.name }
}

output "booking_events_subscription" {
  description = "Subscription of the bookings domain's landing loader."
  value       = google_pubsub_subscription.booking_events_landing.id
}
