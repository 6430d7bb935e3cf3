# Column-level access control: one policy tag per PII classification of the contract model.
#
# The platform derives each PII column's policy tag from its contract
# (mesh_platform.derive.ddl.policy_tag_names: ".../taxonomies/{taxonomy}/policyTags/{id}").
# Data Catalog assigns the ids: the outputs "taxonomy" and "policy_tags" give them.
# Columns classified "none" carry no tag. Readers of a classification's columns are
# granted the fine-grained reader role on its tag; everyone else reads the table without
# those columns.

resource "google_data_catalog_taxonomy" "classification" {
  display_name           = "trident classification${local.suffix}"
  description            = "Classification of the data products' columns, from their contracts."
  region                 = lower(var.location)
  activated_policy_types = ["FINE_GRAINED_ACCESS_CONTROL"]
}

resource "google_data_catalog_policy_tag" "classification" {
  for_each = local.pii_classifications

  taxonomy     = google_data_catalog_taxonomy.classification.id
  display_name = each.key
  description  = "Columns classified ${each.key} in their data contract."
}

# The runtime reads PII columns to build downstream products.
resource "google_data_catalog_policy_tag_iam_member" "runtime_reader" {
  for_each = local.pii_classifications

  policy_tag = google_data_catalog_policy_tag.classification[each.key].name
  role       = "roles/datacatalog.categoryFineGrainedReader"
  member     = local.runtime_member
}

resource "google_data_catalog_policy_tag_iam_member" "reader" {
  for_each = {
    for pair in flatten([
      for classification, members in var.fine_grained_readers : [
        for member in members : { classification = classification, member = member }
      ] if contains(tolist(local.pii_classifications), classification)
    ]) : "${pair.classification}/${pair.member}" => pair
  }

  policy_tag = google_data_catalog_policy_tag.classification[each.value.classification].name
  role       = "roles/datacatalog.categoryFineGrainedReader"
  member     = each.value.member
}
