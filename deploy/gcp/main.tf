# BigQuery: one product dataset and one landing dataset per domain.
#
# Dataset names follow mesh_platform.settings.MeshSettings.dataset_for: the domain's
# products in "<prefix><domain>", its landing tables (operational extracts, the booking
# stream) in "<prefix>landing_<domain>". The mesh's runtime identity publishes the
# products; consumers read them; the owning team sees its own landing zone.

locals {
  domains = toset(var.domains)

  # The classifications that carry a policy tag: every one but "none".
  pii_classifications = toset([for c in var.classifications : c if c != "none"])

  runtime_member = "serviceAccount:${google_service_account.runtime.email}"

  # Names outside BigQuery (service account, bucket, topic, role, taxonomy) get the
  # prefix as a suffix in their own alphabet: "feature_x__" -> "-feature-x".
  slug   = replace(replace(lower(var.dataset_prefix), "_", "-"), "/-+$/", "")
  suffix = local.slug == "" ? "" : "-${local.slug}"

  # (domain, member) pairs of the owning teams, for dataset-level grants.
  owner_grants = {
    for domain, member in var.domain_owner_groups : domain => member if contains(var.domains, domain)
  }

  # (domain, reader) pairs of the product readers.
  reader_grants = {
    for pair in setproduct(var.domains, var.product_readers) : "${pair[0]}/${pair[1]}" => {
      domain = pair[0]
      member = pair[1]
    }
  }
}

resource "google_bigquery_dataset" "product" {
  for_each = local.domains

  dataset_id    = "${var.dataset_prefix}${each.key}"
  friendly_name = "${each.key} data products"
  description   = "Data products of the ${each.key} domain, published under their contracts."
  location      = var.location

  labels = {
    mesh   = "trident"
    domain = each.key
    layer  = "product"
  }

  delete_contents_on_destroy = false
}

resource "google_bigquery_dataset" "landing" {
  for_each = local.domains

  dataset_id    = "${var.dataset_prefix}landing_${each.key}"
  friendly_name = "${each.key} landing zone"
  description   = "Landing tables of the ${each.key} domain: operational extracts and event streams, read only by the domain's own products."
  location      = var.location

  labels = {
    mesh   = "trident"
    domain = each.key
    layer  = "landing"
  }

  delete_contents_on_destroy = false
}

# The runtime publishes products (write-audit-publish: staging tables, atomic replace)...
resource "google_bigquery_dataset_iam_member" "runtime_product_editor" {
  for_each = local.domains

  dataset_id = google_bigquery_dataset.product[each.key].dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = local.runtime_member
}

# ...sets the policy tags of PII columns on the tables it publishes...
resource "google_bigquery_dataset_iam_member" "runtime_product_policy_tagger" {
  for_each = local.domains

  dataset_id = google_bigquery_dataset.product[each.key].dataset_id
  role       = google_project_iam_custom_role.policy_tagger.name
  member     = local.runtime_member
}

# ...and reads the landing zone.
resource "google_bigquery_dataset_iam_member" "runtime_landing_viewer" {
  for_each = local.domains

  dataset_id = google_bigquery_dataset.landing[each.key].dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = local.runtime_member
}

resource "google_project_iam_custom_role" "policy_tagger" {
  role_id     = "tridentPolicyTagger${replace(title(replace(local.slug, "-", " ")), " ", "")}"
  title       = "Trident policy tagger"
  description = "Attach policy tags to the columns of published data products."
  permissions = ["bigquery.tables.setCategory"]
}

# Query jobs, and the creation of the prefixed datasets of a branch environment.
resource "google_project_iam_member" "runtime_bigquery_user" {
  project = var.project_id
  role    = "roles/bigquery.user"
  member  = local.runtime_member
}

resource "google_bigquery_dataset_iam_member" "owner_product_viewer" {
  for_each = local.owner_grants

  dataset_id = google_bigquery_dataset.product[each.key].dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = each.value
}

resource "google_bigquery_dataset_iam_member" "owner_landing_viewer" {
  for_each = local.owner_grants

  dataset_id = google_bigquery_dataset.landing[each.key].dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = each.value
}

resource "google_bigquery_dataset_iam_member" "product_reader" {
  for_each = local.reader_grants

  dataset_id = google_bigquery_dataset.product[each.value.domain].dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = each.value.member
}
