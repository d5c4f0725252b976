<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr">
    <context>
        <name>EoSceneFinder</name>
        <message>
            <location filename="../algorithms/common.py" line="32" />
            <source>QGIS's network settings could not be applied: {err}</source>
            <translation>Les paramètres réseau de QGIS n'ont pas pu être appliqués : {err}</translation>
        </message>
        <message>
            <location filename="../algorithms/common.py" line="51" />
            <source>The input layer has no “{missing}” field: use a layer made by “EO Scene Finder › Search scenes” or the panel's “Scene footprints” layer (with “Selected features only”).</source>
            <translation>La couche en entrée n'a pas de champ « {missing} » : utilisez une couche produite par « EO Scene Finder › Rechercher des scènes » ou la couche « Emprises des scènes » du panneau (avec « Entités sélectionnées uniquement »).</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="40" />
            <source>Best coverage of an area</source>
            <translation>Meilleure couverture d'une zone</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="43" />
            <source>Chooses, among the scenes of a layer made by “Search scenes”, the fewest and least cloudy that together cover TARGET_PERCENT of the area of interest (greedy set cover of the footprints clipped to the area, each scene weighted by its clear fraction; when one date and orbit alone covers enough, that pass is chosen, for a seamless mosaic). MAX_SCENES 0 = no limit. The same scene found in several catalogs (same scene_key) counts once: the output keeps one row for it, from the preferred catalog (cloud-optimised format over archives, no credentials needed over credentials, free over requester-pays, online over offline, then the download speed measured from its host). The output has the input's fields, so it feeds “Virtual mosaic” and “Download scenes”. COVERAGE_PERCENT says how much of the area the chosen scenes cover; when the target cannot be reached the scenes that come closest are written and a warning says why.</source>
            <translation>Choisit, parmi les scènes d'une couche produite par « Rechercher des scènes », les moins nombreuses et les moins nuageuses qui couvrent ensemble TARGET_PERCENT de la zone d'intérêt (couverture gloutonne des emprises découpées à la zone, chaque scène pondérée par sa part sans nuages ; quand une seule date et orbite couvre assez, ce passage est choisi, pour une mosaïque sans raccords). MAX_SCENES 0 = sans limite. La même scène trouvée dans plusieurs catalogues (même scene_key) compte une fois : la sortie en garde une ligne, celle du catalogue préféré (format optimisé pour le cloud plutôt qu'archives, sans identifiants plutôt qu'avec, gratuit plutôt que payé par le demandeur, en ligne plutôt que hors ligne, puis la vitesse de téléchargement mesurée depuis son hôte). La sortie a les champs de l'entrée : elle alimente « Mosaïque virtuelle » et « Télécharger des scènes ». COVERAGE_PERCENT indique la part de la zone couverte par les scènes choisies ; quand la cible ne peut être atteinte, les scènes qui s'en approchent le plus sont écrites et un avertissement dit pourquoi.</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="60" />
            <location filename="../algorithms/download.py" line="50" />
            <location filename="../algorithms/export.py" line="63" />
            <location filename="../algorithms/mosaic.py" line="38" />
            <source>Scenes (from Search scenes)</source>
            <translation>Scènes (issues de Rechercher des scènes)</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="63" />
            <location filename="../algorithms/search.py" line="61" />
            <source>Area of interest (union of its polygons)</source>
            <translation>Zone d'intérêt (union de ses polygones)</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="65" />
            <source>Area of interest as an extent</source>
            <translation>Zone d'intérêt sous forme d'emprise</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="68" />
            <source>Target coverage (% of the area)</source>
            <translation>Couverture visée (% de la zone)</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="71" />
            <source>Maximum number of scenes (0 = no limit)</source>
            <translation>Nombre maximal de scènes (0 = sans limite)</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="73" />
            <source>Chosen scenes</source>
            <translation>Scènes choisies</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="75" />
            <source>Coverage reached (%)</source>
            <translation>Couverture atteinte (%)</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="76" />
            <source>Number of scenes chosen</source>
            <translation>Nombre de scènes choisies</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="77" />
            <source>What was chosen, in words</source>
            <translation>Ce qui a été choisi, en clair</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="82" />
            <source>The AOI layer has no polygon: nothing to cover.</source>
            <translation>La couche de zone d'intérêt n'a aucun polygone : rien à couvrir.</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="83" />
            <source>The extent and the AOI layer do not overlap: nothing to cover.</source>
            <translation>L'emprise et la couche de zone d'intérêt ne se recouvrent pas : rien à couvrir.</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="85" />
            <source>Give the area to cover: an AOI layer or an extent.</source>
            <translation>Indiquez la zone à couvrir : une couche de zone d'intérêt ou une emprise.</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="118" />
            <location filename="../algorithms/download.py" line="69" />
            <location filename="../algorithms/export.py" line="73" />
            <location filename="../algorithms/mosaic.py" line="51" />
            <source>INPUT is not a readable layer.</source>
            <translation>INPUT n'est pas une couche lisible.</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="144" />
            <source>{rows} rows, {scenes} distinct scenes.</source>
            <translation>{rows} lignes, {scenes} scènes distinctes.</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="151" />
            <location filename="../ui/scene_actions.py" line="366" />
            <location filename="../ui/scene_actions.py" line="369" />
            <source>Cancelled.</source>
            <translation>Annulé.</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="157" />
            <location filename="../algorithms/search.py" line="114" />
            <source>Could not create the output layer.</source>
            <translation>Impossible de créer la couche de sortie.</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="165" />
            <source>{scene} (+{added} % of the area, cloud {cloud})</source>
            <translation>{scene} (+{added} % de la zone, nuages {cloud})</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="169" />
            <source> from {connection}, also in {others}</source>
            <translation> depuis {connection}, aussi dans {others}</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="31" />
            <source>HTTPS (the catalog's links)</source>
            <translation>HTTPS (les liens du catalogue)</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="37" />
            <source>Download scenes</source>
            <translation>Télécharger des scènes</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="40" />
            <source>Downloads the scenes of a layer made by “Search scenes” (the selected features only when “Selected features only” is ticked) into &lt;folder&gt;/&lt;collection&gt;/&lt;scene id&gt;/. Parallel, resumable (.part files), checksum-verified; files already downloaded and verified are skipped.

ASSETS: comma-separated asset keys; empty = the whole product for product catalogs, all data assets for STAC.</source>
            <translation>Télécharge les scènes d'une couche produite par « Rechercher des scènes » (uniquement les entités sélectionnées si « Entités sélectionnées uniquement » est coché) dans &lt;dossier&gt;/&lt;collection&gt;/&lt;identifiant de scène&gt;/. En parallèle, avec reprise (fichiers .part) et vérification des sommes de contrôle ; les fichiers déjà téléchargés et vérifiés sont ignorés.

ASSETS : clés des ressources séparées par des virgules ; vide = le produit entier pour les catalogues de produits, toutes les ressources de données pour STAC.</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="52" />
            <source>Asset keys (comma-separated)</source>
            <translation>Clés des ressources (séparées par des virgules)</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="53" />
            <source>Output folder</source>
            <translation>Dossier de sortie</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="54" />
            <source>Unpack product archives</source>
            <translation>Décompresser les archives des produits</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="55" />
            <source>Transfer</source>
            <translation>Transfert</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="57" />
            <source>Download report</source>
            <translation>Rapport de téléchargement</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="59" />
            <source>Folder</source>
            <translation>Dossier</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="76" />
            <source>The input layer has no scene to download.</source>
            <translation>La couche en entrée ne contient aucune scène à télécharger.</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="93" />
            <source>{id} has no asset {missing}; it has: {assets}</source>
            <translation>{id} n'a pas la ressource {missing} ; elle a : {assets}</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="103" />
            <source>Nothing to download: no scene has the requested assets.</source>
            <translation>Rien à télécharger : aucune scène n'a les ressources demandées.</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="104" />
            <source>{count} file(s) to fetch into {folder}</source>
            <translation>{count} fichier(s) à récupérer dans {folder}</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="139" />
            <source>Cancelled: partial files stay as .part and resume on the next run.</source>
            <translation>Annulé : les fichiers partiels restent en .part et reprennent à la prochaine exécution.</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="153" />
            <source>TRANSFER=S3 works with {kinds} connections; {id} comes from “{conn}”.</source>
            <translation>TRANSFER=S3 fonctionne avec les connexions {kinds} ; {id} provient de « {conn} ».</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="190" />
            <source>Downloaded {done}, skipped {skipped} (already present), failed {failed}.</source>
            <translation>Téléchargés : {done}, ignorés : {skipped} (déjà présents), en échec : {failed}.</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="193" />
            <source>Not verified: {unverified} (kept as .unverified: the file never matched its published checksum).</source>
            <translation>Non vérifiés : {unverified} (gardés en .unverified : le fichier n'a jamais correspondu à sa somme de contrôle publiée).</translation>
        </message>
        <message>
            <location filename="../algorithms/export.py" line="20" />
            <source>STAC ItemCollection (GeoJSON)</source>
            <translation>ItemCollection STAC (GeoJSON)</translation>
        </message>
        <message>
            <location filename="../algorithms/export.py" line="20" />
            <source>CSV listing (id,name)</source>
            <translation>Liste CSV (id,name)</translation>
        </message>
        <message>
            <location filename="../algorithms/export.py" line="52" />
            <source>Export scene list</source>
            <translation>Exporter la liste des scènes</translation>
        </message>
        <message>
            <location filename="../algorithms/export.py" line="55" />
            <source>Writes the scenes of a layer made by “Search scenes” as a STAC ItemCollection (GeoJSON), as a CSV listing with the two columns id,name (as cdsodatacli writes it: product Id and Name for Copernicus Data Space, the item id otherwise), or as a GeoPackage.</source>
            <translation>Écrit les scènes d'une couche produite par « Rechercher des scènes » en ItemCollection STAC (GeoJSON), en liste CSV à deux colonnes id,name (comme l'écrit cdsodatacli : Id et Name du produit pour Copernicus Data Space, l'identifiant de l'item sinon) ou en GeoPackage.</translation>
        </message>
        <message>
            <location filename="../algorithms/export.py" line="65" />
            <source>Format</source>
            <translation>Format</translation>
        </message>
        <message>
            <location filename="../algorithms/export.py" line="68" />
            <source>Output file</source>
            <translation>Fichier de sortie</translation>
        </message>
        <message>
            <location filename="../algorithms/export.py" line="77" />
            <source>OUTPUT is empty.</source>
            <translation>OUTPUT est vide.</translation>
        </message>
        <message>
            <location filename="../algorithms/export.py" line="113" />
            <source>Wrote {count} scene(s) to {destination}</source>
            <translation>{count} scène(s) écrite(s) dans {destination}</translation>
        </message>
        <message>
            <location filename="../algorithms/export.py" line="131" />
            <location filename="../algorithms/export.py" line="145" />
            <source>Writing the GeoPackage failed: {error}</source>
            <translation>L'écriture du GeoPackage a échoué : {error}</translation>
        </message>
        <message>
            <location filename="../algorithms/mosaic.py" line="24" />
            <source>Virtual mosaic of an asset</source>
            <translation>Mosaïque virtuelle d'une ressource</translation>
        </message>
        <message>
            <location filename="../algorithms/mosaic.py" line="27" />
            <source>Builds a GDAL virtual mosaic (.vrt) of one asset (e.g. visual, B04, src_xs) of the scenes of a layer made by “Search scenes” (selected features only when ticked), optionally clipped to an extent. The imagery streams through /vsicurl/ with signed URLs; nothing is downloaded. Scenes in different projections are warped on the fly to the first scene's CRS. Signed URLs inside the VRT expire with the catalog's signatures (DINAMIS: 8 h; Planetary Computer: about 1 h): run the algorithm again to refresh them.</source>
            <translation>Construit une mosaïque virtuelle GDAL (.vrt) d'une ressource (par ex. visual, B04, src_xs) des scènes d'une couche produite par « Rechercher des scènes » (entités sélectionnées uniquement si coché), éventuellement découpée à une emprise. L'imagerie est lue en flux via /vsicurl/ avec des URL signées ; rien n'est téléchargé. Les scènes dans des projections différentes sont reprojetées à la volée dans le SCR de la première scène. Les URL signées du VRT expirent avec les signatures du catalogue (DINAMIS : 8 h ; Planetary Computer : environ 1 h) : relancez l'algorithme pour les renouveler.</translation>
        </message>
        <message>
            <location filename="../algorithms/mosaic.py" line="40" />
            <source>Asset key</source>
            <translation>Clé de la ressource</translation>
        </message>
        <message>
            <location filename="../algorithms/mosaic.py" line="41" />
            <source>Clip to extent</source>
            <translation>Découper à l'emprise</translation>
        </message>
        <message>
            <location filename="../algorithms/mosaic.py" line="42" />
            <source>Mosaic (VRT)</source>
            <translation>Mosaïque (VRT)</translation>
        </message>
        <message>
            <location filename="../algorithms/mosaic.py" line="54" />
            <source>ASSET is empty: name the asset to mosaic (e.g. visual, B04).</source>
            <translation>ASSET est vide : indiquez la ressource à assembler (par ex. visual, B04).</translation>
        </message>
        <message>
            <location filename="../algorithms/mosaic.py" line="63" />
            <source>{id} has no asset “{asset_key}” (it has {assets})</source>
            <translation>{id} n'a pas de ressource « {asset_key} » (elle a {assets})</translation>
        </message>
        <message>
            <location filename="../algorithms/mosaic.py" line="75" />
            <source>No scene has the asset “{asset_key}”.</source>
            <translation>Aucune scène n'a la ressource « {asset_key} ».</translation>
        </message>
        <message>
            <location filename="../algorithms/mosaic.py" line="76" />
            <source>Mosaicking {count} scene(s)</source>
            <translation>Mosaïque de {count} scène(s)</translation>
        </message>
        <message>
            <location filename="../algorithms/mosaic.py" line="94" />
            <source>Wrote {output}</source>
            <translation>{output} écrit</translation>
        </message>
        <message>
            <location filename="../algorithms/provider.py" line="23" />
            <source>EO Scene Finder — satellite scene search and download</source>
            <translation>EO Scene Finder — recherche et téléchargement de scènes satellitaires</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="35" />
            <source>Search scenes</source>
            <translation>Rechercher des scènes</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="39" />
            <source>Searches one or several catalogs and writes one polygon per scene and catalog (EPSG:4326) with its id, collection, date, cloud cover, platform, connection, scene_key, assets and full record, so Download, Mosaic, Export and Best coverage can work from the layer alone.

CONNECTION: a saved connection's name, a preset id (earth-search, planetary-computer, dinamis, isdeform, cdse, demo…), a STAC API or static catalog URL/path, or KIND+URL?option=… . Several catalogs: separate them with ';' (or ',' when each piece is a catalog on its own); they are searched at the same time, and the same scene found in several of them gives one row per catalog with the same scene_key. A catalog that fails is reported as a warning and the others' rows are kept. Well-known collections are renamed for each catalog (sentinel-2-l2a is SENTINEL-2, product type S2MSI2A, on the Copernicus Data Space). Dates are inclusive whole days (UTC) or ISO datetimes. SORTBY: fields separated by commas, '-' for descending (e.g. -datetime,eo:cloud_cover). LIMIT 0 = all results (per catalog). IDS: scene or product ids, comma-separated (the only way into a bucket without an area).</source>
            <translation>Interroge un ou plusieurs catalogues et écrit un polygone par scène et par catalogue (EPSG:4326) avec son identifiant, sa collection, sa date, sa couverture nuageuse, sa plateforme, sa connexion, sa scene_key, ses ressources et son enregistrement complet, pour que Télécharger, Mosaïque, Exporter et Meilleure couverture puissent travailler à partir de la seule couche.

CONNECTION : le nom d'une connexion enregistrée, un identifiant de préréglage (earth-search, planetary-computer, dinamis, isdeform, cdse, demo…), l'URL ou le chemin d'une API STAC ou d'un catalogue statique, ou TYPE+URL?option=… . Plusieurs catalogues : séparez-les par ';' (ou ',' quand chaque morceau est un catalogue à lui seul) ; ils sont interrogés en même temps, et la même scène trouvée dans plusieurs d'entre eux donne une ligne par catalogue avec la même scene_key. Un catalogue en échec est signalé par un avertissement et les lignes des autres sont conservées. Les collections connues sont renommées pour chaque catalogue (sentinel-2-l2a est SENTINEL-2, type de produit S2MSI2A, sur le Copernicus Data Space). Les dates sont des jours entiers inclus (UTC) ou des dates-heures ISO. SORTBY : champs séparés par des virgules, « - » pour l'ordre décroissant (par ex. -datetime,eo:cloud_cover). LIMIT 0 = tous les résultats (par catalogue). IDS : identifiants de scènes ou de produits, séparés par des virgules (le seul moyen d'entrer dans un bucket sans emprise).</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="56" />
            <location filename="../ui/results_model.py" line="59" />
            <location filename="../ui/search_panel.py" line="94" />
            <source>Connection</source>
            <translation>Connexion</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="57" />
            <source>Collections (comma-separated)</source>
            <translation>Collections (séparées par des virgules)</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="59" />
            <source>Extent</source>
            <translation>Emprise</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="62" />
            <source>Start (date or ISO datetime)</source>
            <translation>Début (date ou date-heure ISO)</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="63" />
            <source>End (inclusive)</source>
            <translation>Fin (incluse)</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="65" />
            <source>Maximum cloud cover (%)</source>
            <translation>Couverture nuageuse maximale (%)</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="67" />
            <source>CQL2 filter</source>
            <translation>Filtre CQL2</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="68" />
            <source>Sort by</source>
            <translation>Trier par</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="69" />
            <source>Scene ids (comma-separated)</source>
            <translation>Identifiants des scènes (séparés par des virgules)</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="70" />
            <source>Maximum number of scenes (0 = all)</source>
            <translation>Nombre maximal de scènes (0 = toutes)</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="73" />
            <source>Scenes</source>
            <translation>Scènes</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="74" />
            <source>Number of scenes</source>
            <translation>Nombre de scènes</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="78" />
            <source>The AOI layer has no polygon: nothing to search in.</source>
            <translation>La couche de zone d'intérêt n'a aucun polygone : rien à rechercher.</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="79" />
            <source>The extent and the AOI layer do not overlap: nothing to search in.</source>
            <translation>L'emprise et la couche de zone d'intérêt ne se recouvrent pas : rien à rechercher.</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="84" />
            <source>CONNECTION is empty: give a preset id, a saved connection or a URL.</source>
            <translation>CONNECTION est vide : indiquez l'identifiant d'un préréglage, une connexion enregistrée ou une URL.</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="126" />
            <source>{connection}: {error}</source>
            <translation>{connection} : {error}</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="149" />
            <source>{count} scenes so far (more pages follow)</source>
            <translation>{count} scènes pour l'instant (d'autres pages suivent)</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="150" />
            <source>{count} scenes so far</source>
            <translation>{count} scènes pour l'instant</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="154" />
            <source>Stopped at LIMIT={limit}; the catalog has more scenes.</source>
            <translation>Arrêt à LIMIT={limit} ; le catalogue contient d'autres scènes.</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="161" />
            <source>{connection} failed: {error} (the other catalogs' scenes are kept)</source>
            <translation>{connection} a échoué : {error} (les scènes des autres catalogues sont conservées)</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="170" />
            <source>Every catalog failed: {errors}</source>
            <translation>Tous les catalogues ont échoué : {errors}</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="174" />
            <source>Cancelled after {count} scenes.</source>
            <translation>Annulé après {count} scènes.</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="176" />
            <source>Scenes per catalog: {counts}</source>
            <translation>Scènes par catalogue : {counts}</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="178" />
            <source>Found {count} scenes.</source>
            <translation>{count} scènes trouvées.</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="30" />
            <source>the Python package “shapely” (Debian/Ubuntu: sudo apt install python3-shapely; Windows/macOS: included in the official QGIS installers)</source>
            <translation>le paquet Python « shapely » (Debian/Ubuntu : sudo apt install python3-shapely ; Windows/macOS : inclus dans les installeurs officiels de QGIS)</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="35" />
            <source>the Python package “requests” (Debian/Ubuntu: sudo apt install python3-requests)</source>
            <translation>le paquet Python « requests » (Debian/Ubuntu : sudo apt install python3-requests)</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="56" />
            <source>The Processing algorithms could not be loaded:
{details}</source>
            <translation>Les algorithmes de traitement n'ont pas pu être chargés :
{details}</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="66" />
            <location filename="../ui/dock.py" line="683" />
            <source>EO Scene Finder</source>
            <translation>EO Scene Finder</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="69" />
            <source>Find, preview and download satellite scenes</source>
            <translation>Rechercher, prévisualiser et télécharger des scènes satellitaires</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="72" />
            <location filename="../plugin.py" line="100" />
            <source>&amp;EO Scene Finder</source>
            <translation>&amp;EO Scene Finder</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="83" />
            <source>Network settings not applied: {err}</source>
            <translation>Paramètres réseau non appliqués : {err}</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="118" />
            <source>Unloading the services failed: {err}</source>
            <translation>L'arrêt des services a échoué : {err}</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="135" />
            <source>cannot start: missing {missing}</source>
            <translation>démarrage impossible : il manque {missing}</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="137" />
            <source>Missing: {missing}</source>
            <translation>Manquant : {missing}</translation>
        </message>
        <message>
            <location filename="../services/auth_db.py" line="30" />
            <source>QGIS authentication database</source>
            <translation>base d'authentification de QGIS</translation>
        </message>
        <message>
            <location filename="../services/auth_db.py" line="58" />
            <source>QGIS's authentication database is locked (no master password).</source>
            <translation>La base d'authentification de QGIS est verrouillée (pas de mot de passe principal).</translation>
        </message>
        <message>
            <location filename="../services/auth_db.py" line="73" />
            <source>QGIS's authentication database could not be read.</source>
            <translation>La base d'authentification de QGIS n'a pas pu être lue.</translation>
        </message>
        <message>
            <location filename="../services/auth_db.py" line="99" />
            <source>QGIS's authentication database refused to save the credentials.</source>
            <translation>La base d'authentification de QGIS a refusé d'enregistrer les identifiants.</translation>
        </message>
        <message>
            <location filename="../services/auth_db.py" line="114" />
            <source>No OS keyring is available, so EO Scene Finder keeps connection credentials in QGIS's encrypted authentication database (protected by the QGIS master password).</source>
            <translation>Aucun trousseau de clés du système n'est disponible : EO Scene Finder conserve donc les identifiants des connexions dans la base d'authentification chiffrée de QGIS (protégée par le mot de passe principal de QGIS).</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="70" />
            <source>The connection “{name}” has a password, token or signature in a URL. URLs are saved in plain text: put credentials in the credentials fields instead.</source>
            <translation>La connexion « {name} » contient un mot de passe, un jeton ou une signature dans une URL. Les URL sont enregistrées en clair : mettez les identifiants dans les champs prévus à cet effet.</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="75" />
            <source>The connection option “{bad}” looks like a secret; secrets go to the credentials fields (kept in the OS keyring), never in the saved connection.</source>
            <translation>L'option de connexion « {bad} » ressemble à un secret ; les secrets vont dans les champs d'identifiants (conservés dans le trousseau de clés du système), jamais dans la connexion enregistrée.</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="102" />
            <source>The saved EO Scene Finder connections could not be read; starting empty.</source>
            <translation>Les connexions EO Scene Finder enregistrées n'ont pas pu être lues ; démarrage sans connexion.</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="153" />
            <source>A connection needs a name.</source>
            <translation>Une connexion doit avoir un nom.</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="156" />
            <source>Unknown connection kind “{kind}”; known kinds: {kinds}.</source>
            <translation>Type de connexion inconnu « {kind} » ; types connus : {kinds}.</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="164" />
            <source>A connection named “{name}” already exists.</source>
            <translation>Une connexion nommée « {name} » existe déjà.</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="187" />
            <source>The credentials of “{name}” could not be removed: {error}</source>
            <translation>Les identifiants de « {name} » n'ont pas pu être supprimés : {error}</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="196" />
            <source>There is no connection named “{name}”.</source>
            <translation>Il n'y a pas de connexion nommée « {name} ».</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="197" />
            <source>{name} (copy)</source>
            <translation>{name} (copie)</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="228" />
            <source>{file} is not a connections file: {err}</source>
            <translation>{file} n'est pas un fichier de connexions : {err}</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="233" />
            <source>{file} is not an EO Scene Finder connections file.</source>
            <translation>{file} n'est pas un fichier de connexions EO Scene Finder.</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="239" />
            <source>A connection in {file} is incomplete.</source>
            <translation>Une connexion de {file} est incomplète.</translation>
        </message>
        <message>
            <location filename="../services/credentials.py" line="63" />
            <source>Device-code logins cannot be shown: {err}</source>
            <translation>Les connexions par code d'appareil ne peuvent pas être affichées : {err}</translation>
        </message>
        <message>
            <location filename="../services/credentials.py" line="76" />
            <source>Two-factor code prompts cannot be shown: {err}</source>
            <translation>Les demandes de code à deux facteurs ne peuvent pas être affichées : {err}</translation>
        </message>
        <message>
            <location filename="../services/mosaic.py" line="26" />
            <source>No raster to mosaic.</source>
            <translation>Aucun raster à mosaïquer.</translation>
        </message>
        <message>
            <location filename="../services/mosaic.py" line="36" />
            <source>GDAL could not open {label}: {err}</source>
            <translation>GDAL n’a pas pu ouvrir {label} : {err}</translation>
        </message>
        <message>
            <location filename="../services/mosaic.py" line="59" />
            <source>GDAL could not build the mosaic.</source>
            <translation>GDAL n'a pas pu construire la mosaïque.</translation>
        </message>
        <message>
            <location filename="../services/network.py" line="76" />
            <source>QGIS is set to use a SOCKS5 proxy, but the Python package PySocks is missing: EO Scene Finder's requests will fail until it is installed.</source>
            <translation>QGIS est configuré pour utiliser un proxy SOCKS5, mais le paquet Python PySocks est absent : les requêtes d'EO Scene Finder échoueront tant qu'il ne sera pas installé.</translation>
        </message>
        <message>
            <location filename="../services/network.py" line="167" />
            <source>The network settings could not be applied: {err}</source>
            <translation>Les paramètres réseau n'ont pas pu être appliqués : {err}</translation>
        </message>
        <message>
            <location filename="../services/providers.py" line="96" />
            <source>Credentials for {name} could not be read: {error}</source>
            <translation>Les identifiants de {name} n'ont pas pu être lus : {error}</translation>
        </message>
        <message>
            <location filename="../services/providers.py" line="109" />
            <source>The catalog “{text}” could not be opened.</source>
            <translation>Le catalogue « {text} » n'a pas pu être ouvert.</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="38" />
            <source>Shapefile keeps at most 254 characters of text</source>
            <translation>le Shapefile garde au plus 254 caractères de texte</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="39" />
            <source>dBase keeps at most 254 characters of text</source>
            <translation>le dBase garde au plus 254 caractères de texte</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="40" />
            <source>MapInfo TAB keeps at most 254 characters of text</source>
            <translation>le MapInfo TAB garde au plus 254 caractères de texte</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="41" />
            <source>MapInfo MIF keeps at most 254 characters of text</source>
            <translation>le MapInfo MIF garde au plus 254 caractères de texte</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="42" />
            <source>DXF stores no attributes</source>
            <translation>le DXF ne stocke aucun attribut</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="43" />
            <source>DGN stores no attributes</source>
            <translation>le DGN ne stocke aucun attribut</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="44" />
            <source>GPX stores no polygons nor these attributes</source>
            <translation>le GPX ne stocke ni polygones ni ces attributs</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="45" />
            <source>S-57 stores no such attributes</source>
            <translation>le S-57 ne stocke pas de tels attributs</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="46" />
            <location filename="../services/scene_layer.py" line="47" />
            <location filename="../services/scene_layer.py" line="48" />
            <source>INTERLIS does not keep these attributes as written</source>
            <translation>INTERLIS ne conserve pas ces attributs tels qu'écrits</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="49" />
            <source>PDS4 does not keep these attributes as written</source>
            <translation>PDS4 ne conserve pas ces attributs tels qu'écrits</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="51" />
            <source>GeoPackage (.gpkg), GeoJSON (.geojson), FlatGeobuf (.fgb) or CSV (.csv)</source>
            <translation>GeoPackage (.gpkg), GeoJSON (.geojson), FlatGeobuf (.fgb) ou CSV (.csv)</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="52" />
            <source>in the EO Scene Finder panel, select the scenes (in the table or on the map), then tick “Selected features only”, or use a layer written by “Search scenes”</source>
            <translation>dans le panneau EO Scene Finder, sélectionnez les scènes (dans le tableau ou sur la carte), puis cochez « Entités sélectionnées uniquement », ou utilisez une couche écrite par « Rechercher des scènes »</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="160" />
            <source>The output {file} cannot hold the scenes' records ({reason}; a record is a whole item of several KB), so Download, Mosaic and Export could not use it. Write the scenes as {formats} instead.</source>
            <translation>La sortie {file} ne peut pas contenir les enregistrements des scènes ({reason} ; un enregistrement est un item entier de plusieurs Ko) : Télécharger, Mosaïque et Exporter ne pourraient pas l'utiliser. Écrivez plutôt les scènes en {formats}.</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="194" />
            <source>, where Shapefile and MapInfo cut text</source>
            <translation>, là où Shapefile et MapInfo coupent le texte</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="196" />
            <source>The “{name}” of scene {scene_id} is cut short or damaged ({length} characters{cut}): its file format could not hold a whole record. Run “Search scenes” again and write its output as {formats}.</source>
            <translation>Le champ « {name} » de la scène {scene_id} est tronqué ou endommagé ({length} caractères{cut}) : son format de fichier ne peut pas contenir un enregistrement entier. Relancez « Rechercher des scènes » et écrivez sa sortie en {formats}.</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="211" />
            <source>(feature {fid})</source>
            <translation>(entité {fid})</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="221" />
            <source>Scene {scene_id} has no record (the panel fills it only for selected scenes): {hint}.</source>
            <translation>La scène {scene_id} n'a pas d'enregistrement (le panneau ne le remplit que pour les scènes sélectionnées) : {hint}.</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="224" />
            <source>The “record” of scene {scene_id} is not a JSON object: use a layer made by “Search scenes” or the panel's Scene footprints.</source>
            <translation>L'« enregistrement » (record) de la scène {scene_id} n'est pas un objet JSON : utilisez une couche produite par « Rechercher des scènes » ou la couche Emprises des scènes du panneau.</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="227" />
            <source>Scene {scene_id} has no connection: use a layer made by “Search scenes” or the panel's Scene footprints.</source>
            <translation>La scène {scene_id} n'a pas de connexion : utilisez une couche produite par « Rechercher des scènes » ou la couche Emprises des scènes du panneau.</translation>
        </message>
        <message>
            <location filename="../tasks/download_task.py" line="68" />
            <source>Downloading {count} files</source>
            <translation>Téléchargement de {count} fichiers</translation>
        </message>
        <message>
            <location filename="../tasks/download_task.py" line="69" />
            <source>Downloading</source>
            <translation>Téléchargement</translation>
        </message>
        <message>
            <location filename="../tasks/download_task.py" line="71" />
            <source>Downloading {label}</source>
            <translation>Téléchargement de {label}</translation>
        </message>
        <message>
            <location filename="../tasks/download_task.py" line="86" />
            <source>Could not prepare the downloads: {err}</source>
            <translation>Impossible de préparer les téléchargements : {err}</translation>
        </message>
        <message>
            <location filename="../tasks/download_task.py" line="136" />
            <source>Download task failed: {error}</source>
            <translation>La tâche de téléchargement a échoué : {error}</translation>
        </message>
        <message>
            <location filename="../tasks/download_task.py" line="139" />
            <source>Not downloaded: {problem}</source>
            <translation>Non téléchargé : {problem}</translation>
        </message>
        <message>
            <location filename="../tasks/download_task.py" line="144" />
            <source>Downloads finished: {parts}</source>
            <translation>Téléchargements terminés : {parts}</translation>
        </message>
        <message>
            <location filename="../tasks/download_task.py" line="164" />
            <source>{files_finished} of {files_total} files</source>
            <translation>{files_finished} fichiers sur {files_total}</translation>
        </message>
        <message>
            <location filename="../tasks/download_task.py" line="171" />
            <location filename="../ui/downloads_widget.py" line="528" />
            <source>{duration_text} left</source>
            <translation>{duration_text} restant</translation>
        </message>
        <message>
            <location filename="../tasks/function_task.py" line="38" />
            <source>{description} failed unexpectedly.</source>
            <translation>{description} a échoué de manière inattendue.</translation>
        </message>
        <message>
            <location filename="../tasks/raster_task.py" line="111" />
            <location filename="../tasks/raster_task.py" line="189" />
            <source>Opening the remote raster failed.</source>
            <translation>L'ouverture du raster distant a échoué.</translation>
        </message>
        <message>
            <location filename="../tasks/raster_task.py" line="130" />
            <source>GDAL could not open the asset.</source>
            <translation>GDAL n'a pas pu ouvrir la ressource.</translation>
        </message>
        <message>
            <location filename="../tasks/raster_task.py" line="132" />
            <source>GDAL could not open the asset (not a raster, or access refused).</source>
            <translation>GDAL n'a pas pu ouvrir la ressource (pas un raster, ou accès refusé).</translation>
        </message>
        <message>
            <location filename="../tasks/raster_task.py" line="193" />
            <source>QGIS could not open “{layer_name}” as a raster layer.</source>
            <translation>QGIS n'a pas pu ouvrir « {layer_name} » comme couche raster.</translation>
        </message>
        <message>
            <location filename="../tasks/raster_task.py" line="311" />
            <source>EO Scene Finder: sign {name}</source>
            <translation>EO Scene Finder : signature de {name}</translation>
        </message>
        <message>
            <location filename="../tasks/search_task.py" line="91" />
            <source>The search failed unexpectedly.</source>
            <translation>La recherche a échoué de manière inattendue.</translation>
        </message>
        <message>
            <location filename="../ui/aoi.py" line="226" />
            <source>map extent</source>
            <translation>emprise de la carte</translation>
        </message>
        <message>
            <location filename="../ui/aoi.py" line="229" />
            <source>extent of {layer}</source>
            <translation>emprise de {layer}</translation>
        </message>
        <message>
            <location filename="../ui/aoi.py" line="240" />
            <source>{count} selected feature(s) of {layer}</source>
            <translation>{count} entité(s) sélectionnée(s) de {layer}</translation>
        </message>
        <message>
            <location filename="../ui/basemap.py" line="19" />
            <source>Countries (Natural Earth, offline)</source>
            <translation>Pays (Natural Earth, hors ligne)</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="71" />
            <source>No key set: public access only.</source>
            <translation>Aucune clé définie : accès public uniquement.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="74" />
            <source>Credentials accepted: the DINAMIS signing service took the API key.</source>
            <translation>Identifiants acceptés : le service de signature DINAMIS a accepté la clé d'API.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="76" />
            <source>Key set (the service checks it on first use).</source>
            <translation>Clé définie (le service la vérifie à la première utilisation).</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="79" />
            <source>Credentials accepted: logged in to DINAMIS and the signing service took the token.</source>
            <translation>Identifiants acceptés : connecté à DINAMIS, et le service de signature a accepté le jeton.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="82" />
            <source>Credentials accepted: logged in to {service}.</source>
            <translation>Identifiants acceptés : connecté à {service}.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="87" />
            <source>“{kind}” is not a catalog kind this version can open.</source>
            <translation>« {kind} » n'est pas un type de catalogue que cette version sait ouvrir.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="99" />
            <source>The DINAMIS signing service URL is empty.</source>
            <translation>L'URL du service de signature DINAMIS est vide.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="123" />
            <source>EO Scene Finder connections</source>
            <translation>Connexions EO Scene Finder</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="141" />
            <source>New…</source>
            <translation>Nouvelle…</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="142" />
            <source>Edit…</source>
            <translation>Modifier…</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="143" />
            <source>Duplicate</source>
            <translation>Dupliquer</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="144" />
            <source>Remove</source>
            <translation>Supprimer</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="146" />
            <source>Import…</source>
            <translation>Importer…</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="147" />
            <source>Export…</source>
            <translation>Exporter…</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="202" />
            <source>No connection yet: click New… to add one.</source>
            <translation>Aucune connexion pour l'instant : cliquez sur Nouvelle… pour en ajouter une.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="207" />
            <source>{name}
{url}
The kind “{kind}” is not available in this version: the connection is kept unchanged for a version that has it.</source>
            <translation>{name}
{url}
Le type « {kind} » n'est pas disponible dans cette version : la connexion est conservée telle quelle pour une version qui le propose.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="244" />
            <source>Remove connection</source>
            <translation>Supprimer la connexion</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="245" />
            <source>Remove the connection “{name}” and its saved credentials?</source>
            <translation>Supprimer la connexion « {name} » et ses identifiants enregistrés ?</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="256" />
            <location filename="../ui/connections_dialog.py" line="264" />
            <source>Import connections</source>
            <translation>Importer des connexions</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="256" />
            <location filename="../ui/connections_dialog.py" line="273" />
            <source>JSON files (*.json)</source>
            <translation>Fichiers JSON (*.json)</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="267" />
            <source>Imported {count} connection(s). Add their credentials with Edit….</source>
            <translation>{count} connexion(s) importée(s). Ajoutez leurs identifiants avec Modifier….</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="272" />
            <source>Export connections</source>
            <translation>Exporter les connexions</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="279" />
            <source>Exported {count} connection(s) to {file} (without credentials).</source>
            <translation>{count} connexion(s) exportée(s) dans {file} (sans les identifiants).</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="287" />
            <source>No credentials needed.</source>
            <translation>Aucun identifiant nécessaire.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="294" />
            <source>Credentials saved in the {label}.</source>
            <translation>Identifiants enregistrés dans : {label}.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="297" />
            <source>Credentials from environment variables ({env}).</source>
            <translation>Identifiants issus de variables d'environnement ({env}).</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="298" />
            <source>No credentials saved.</source>
            <translation>Aucun identifiant enregistré.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="326" />
            <source>Edit connection</source>
            <translation>Modifier la connexion</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="326" />
            <source>New connection</source>
            <translation>Nouvelle connexion</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="333" />
            <source>(choose to fill in everything)</source>
            <translation>(choisir pour tout remplir)</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="337" />
            <source>Start from a preset</source>
            <translation>Partir d'un préréglage</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="340" />
            <location filename="../ui/downloads_widget.py" line="93" />
            <source>Name</source>
            <translation>Nom</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="345" />
            <source>Kind</source>
            <translation>Type</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="348" />
            <location filename="../ui/connections_dialog.py" line="511" />
            <source>URL</source>
            <translation>URL</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="356" />
            <source>Asset signing</source>
            <translation>Signature des ressources</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="362" />
            <source>Results per page</source>
            <translation>Résultats par page</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="366" />
            <source>Catalogue cache</source>
            <translation>Cache du catalogue</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="368" />
            <source>Keep answers on disk for</source>
            <translation>Garder les réponses sur disque pendant</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="370" />
            <source>Repeating a large search then costs no request.</source>
            <translation>Répéter une grande recherche ne coûte alors aucune requête.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="375" />
            <source> h</source>
            <translation> h</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="376" />
            <source>Clear cache</source>
            <translation>Vider le cache</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="385" />
            <source>Endpoints</source>
            <translation>Points d'accès</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="389" />
            <source>Credentials</source>
            <translation>Identifiants</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="398" />
            <source>Log in with the browser…</source>
            <translation>Se connecter dans le navigateur…</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="401" />
            <source>Log out</source>
            <translation>Se déconnecter</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="411" />
            <source>Test connection</source>
            <translation>Tester la connexion</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="590" />
            <source>Give an API key, or leave it empty and log in with the browser (the login then renews itself for days).</source>
            <translation>Saisissez une clé d'API, ou laissez vide et connectez-vous dans le navigateur (la session se renouvelle ensuite d'elle-même pendant des jours).</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="593" />
            <source>Logged in with the browser.</source>
            <translation>Connecté via le navigateur.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="597" />
            <source>A 6-digit two-factor code is used once: click Test connection to log in with it.</source>
            <translation>Un code à deux facteurs à 6 chiffres ne sert qu'une fois : cliquez sur Tester la connexion pour vous connecter avec.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="599" />
            <source>Kept in the OS keyring (or QGIS's authentication database), never in the settings.</source>
            <translation>Conservés dans le trousseau de clés du système (ou la base d'authentification de QGIS), jamais dans les paramètres.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="601" />
            <source>Headless runs (qgis_process, scripts) can set {env}.</source>
            <translation>Les exécutions sans interface (qgis_process, scripts) peuvent définir {env}.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="632" />
            <source>Cache cleared: {removed} stored answers removed.</source>
            <translation>Cache vidé : {removed} réponses enregistrées supprimées.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="694" />
            <source>✗ The URL is empty.</source>
            <translation>✗ L'URL est vide.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="698" />
            <source>Testing {url}…</source>
            <translation>Test de {url}…</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="706" />
            <source>✗ The test could not run: {exception}</source>
            <translation>✗ Le test n'a pas pu s'exécuter : {exception}</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="713" />
            <source>Testing connection {name}</source>
            <translation>Test de la connexion {name}</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="731" />
            <source>Waiting for the browser login…</source>
            <translation>En attente de la connexion dans le navigateur…</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="741" />
            <source>✗ {text}</source>
            <translation>✗ {text}</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="745" />
            <source>✓ Logged in. Click OK to keep the login.</source>
            <translation>✓ Connecté. Cliquez sur OK pour garder la session.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="748" />
            <source>Logging in to {name}</source>
            <translation>Connexion à {name}</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="765" />
            <source>Logged out.</source>
            <translation>Déconnecté.</translation>
        </message>
        <message>
            <location filename="../ui/coverage_widget.py" line="24" />
            <source>Best coverage</source>
            <translation>Meilleure couverture</translation>
        </message>
        <message>
            <location filename="../ui/coverage_widget.py" line="27" />
            <source>Pick the fewest, least cloudy scenes of the results that cover the area of interest (one pass of one date and orbit when it covers enough, for a seamless mosaic).</source>
            <translation>Choisit parmi les résultats le moins de scènes, les moins nuageuses, qui couvrent la zone d’intérêt (un seul passage, même date et même orbite, quand il suffit : mosaïque sans raccord).</translation>
        </message>
        <message>
            <location filename="../ui/coverage_widget.py" line="38" />
            <source>Cover at least</source>
            <translation>Couvrir au moins</translation>
        </message>
        <message>
            <location filename="../ui/coverage_widget.py" line="42" />
            <source>no limit</source>
            <translation>sans limite</translation>
        </message>
        <message>
            <location filename="../ui/coverage_widget.py" line="44" />
            <source>With at most</source>
            <translation>Avec au plus</translation>
        </message>
        <message>
            <location filename="../ui/coverage_widget.py" line="82" />
            <source>Add as mosaic</source>
            <translation>Ajouter en mosaïque</translation>
        </message>
        <message>
            <location filename="../ui/coverage_widget.py" line="84" />
            <source>Stream the chosen scenes as one virtual mosaic (VRT); nothing is downloaded</source>
            <translation>Diffuser les scènes choisies en une mosaïque virtuelle (VRT) ; rien n’est téléchargé</translation>
        </message>
        <message>
            <location filename="../ui/coverage_widget.py" line="86" />
            <location filename="../ui/dock.py" line="137" />
            <location filename="../ui/scene_panel.py" line="85" />
            <source>Download</source>
            <translation>Télécharger</translation>
        </message>
        <message>
            <location filename="../ui/coverage_widget.py" line="92" />
            <source>Close</source>
            <translation>Fermer</translation>
        </message>
        <message>
            <location filename="../ui/device_code_dialog.py" line="35" />
            <source>Log in to DINAMIS</source>
            <translation>Se connecter à DINAMIS</translation>
        </message>
        <message>
            <location filename="../ui/device_code_dialog.py" line="38" />
            <source>To let EO Scene Finder use “{name}”, open this page, check that it shows the code below and approve the login:</source>
            <translation>Pour permettre à EO Scene Finder d'utiliser « {name} », ouvrez cette page, vérifiez qu'elle affiche le code ci-dessous et approuvez la connexion :</translation>
        </message>
        <message>
            <location filename="../ui/device_code_dialog.py" line="62" />
            <source>Open in browser</source>
            <translation>Ouvrir dans le navigateur</translation>
        </message>
        <message>
            <location filename="../ui/device_code_dialog.py" line="65" />
            <source>Copy code</source>
            <translation>Copier le code</translation>
        </message>
        <message>
            <location filename="../ui/device_code_dialog.py" line="95" />
            <source>Waiting for you to approve the login… (the code expires in {m}:{s:02d})</source>
            <translation>En attente de votre approbation… (le code expire dans {m}:{s:02d})</translation>
        </message>
        <message>
            <location filename="../ui/device_code_dialog.py" line="101" />
            <source>Logged in.</source>
            <translation>Connecté.</translation>
        </message>
        <message>
            <location filename="../ui/device_code_dialog.py" line="107" />
            <source>The code expired before the login was approved. Start the login again.</source>
            <translation>Le code a expiré avant l'approbation de la connexion. Recommencez la connexion.</translation>
        </message>
        <message>
            <location filename="../ui/device_code_dialog.py" line="108" />
            <source>The login was refused in the browser.</source>
            <translation>La connexion a été refusée dans le navigateur.</translation>
        </message>
        <message>
            <location filename="../ui/device_code_dialog.py" line="109" />
            <source>The login failed: {message}</source>
            <translation>La connexion a échoué : {message}</translation>
        </message>
        <message>
            <location filename="../ui/device_code_dialog.py" line="195" />
            <source>EO Scene Finder — two-factor code</source>
            <translation>EO Scene Finder — code à deux facteurs</translation>
        </message>
        <message>
            <location filename="../ui/device_code_dialog.py" line="196" />
            <source>The session of “{name}” ended.
Enter the 6-digit code of your authenticator app to log in again:</source>
            <translation>La session de « {name} » a pris fin.
Saisissez le code à 6 chiffres de votre application d'authentification pour vous reconnecter :</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="101" />
            <location filename="../ui/search_panel.py" line="213" />
            <source>Search</source>
            <translation>Rechercher</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="132" />
            <source>Filter results by text</source>
            <translation>Filtrer les résultats par texte</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="133" />
            <location filename="../ui/scene_panel.py" line="82" />
            <source>Add to map</source>
            <translation>Ajouter à la carte</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="135" />
            <source>Stream the selected scenes' imagery (COG) without downloading</source>
            <translation>Afficher en flux l'imagerie (COG) des scènes sélectionnées, sans téléchargement</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="143" />
            <source>Best coverage of the area, source preference</source>
            <translation>Meilleure couverture de la zone, préférence de source</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="214" />
            <source>Scene</source>
            <translation>Scène</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="223" />
            <source>Downloads</source>
            <translation>Téléchargements</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="256" />
            <location filename="../ui/dock.py" line="292" />
            <source>Could not read saved connections: {err}</source>
            <translation>Impossible de lire les connexions enregistrées : {err}</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="328" />
            <source>Loading collections of {cid}…</source>
            <translation>Chargement des collections de {cid}…</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="335" />
            <source>EO Scene Finder: collections of {cid}</source>
            <translation>EO Scene Finder : collections de {cid}</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="343" />
            <source>Loading collections failed</source>
            <translation>Le chargement des collections a échoué</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="347" />
            <source>{count} collections on {cid}.</source>
            <translation>{count} collections sur {cid}.</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="366" />
            <source>EO Scene Finder: queryables of {cid}</source>
            <translation>EO Scene Finder : attributs interrogeables de {cid}</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="389" />
            <source>Choose a connection first.</source>
            <translation>Choisissez d'abord une connexion.</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="442" />
            <source>all collections</source>
            <translation>toutes les collections</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="443" />
            <source>Also searching: {catalogs}</source>
            <translation>Recherche aussi : {catalogs}</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="444" />
            <source>Each other catalog is searched with the equivalent of the collections checked here (an id it has no equivalent for is searched as it is).</source>
            <translation>Chaque autre catalogue est interrogé avec l’équivalent des collections cochées ici (un identifiant sans équivalent connu est cherché tel quel).</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="452" />
            <location filename="../ui/search_panel.py" line="224" />
            <source>One row per scene with the catalogs that hold it; off: one row per catalog</source>
            <translation>Une ligne par scène avec les catalogues qui la contiennent ; désactivé : une ligne par catalogue</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="453" />
            <source>Check other catalogs (+) to search several at once: the same scene is then grouped</source>
            <translation>Cochez d’autres catalogues (+) pour en interroger plusieurs à la fois : la même scène est alors regroupée</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="477" />
            <source>{label}: {message}</source>
            <translation>{label} : {message}</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="505" />
            <source>{count} scenes; {name} is on the map.</source>
            <translation>{count} scènes ; {name} est sur la carte.</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="607" />
            <source>Zoom to scene</source>
            <translation>Zoomer sur la scène</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="608" />
            <source>Add {scenes} scene(s) to map</source>
            <translation>Ajouter {scenes} scène(s) à la carte</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="609" />
            <source>Download {scenes} scene(s)</source>
            <translation>Télécharger {scenes} scène(s)</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="610" />
            <source>Copy scene id(s)</source>
            <translation>Copier le(s) identifiant(s) de scène</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="619" />
            <source>Best coverage…</source>
            <translation>Meilleure couverture…</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="621" />
            <source>Source preference…</source>
            <translation>Préférence de source…</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="655" />
            <source>Download to folder</source>
            <translation>Télécharger dans le dossier</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="700" />
            <source>{count} scenes.</source>
            <translation>{count} scènes.</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="706" />
            <source>{shown} of {count} scenes, {first} to {last} (double-click the timeline for every date).</source>
            <translation>{shown} scènes sur {count}, du {first} au {last} (double-cliquez sur la frise chronologique pour revoir toutes les dates).</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="721" />
            <location filename="../ui/results_model.py" line="58" />
            <source>Cloud %</source>
            <translation>Nuages %</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="744" />
            <source>Reset columns</source>
            <translation>Réinitialiser les colonnes</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="777" />
            <source>The map is empty: add a basemap?</source>
            <translation>La carte est vide : ajouter un fond de carte ?</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="781" />
            <source>Countries</source>
            <translation>Pays</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="781" />
            <source>Natural Earth country borders, bundled: works offline</source>
            <translation>Frontières des pays Natural Earth, fournies avec l'extension : fonctionne hors ligne</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="782" />
            <source>OpenStreetMap tiles (needs the internet)</source>
            <translation>Tuiles OpenStreetMap (nécessite Internet)</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="791" />
            <source>Not now</source>
            <translation>Pas maintenant</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="815" />
            <source>The basemap could not be opened.</source>
            <translation>Le fond de carte n'a pas pu être ouvert.</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="67" />
            <location filename="../ui/downloads_widget.py" line="511" />
            <source>downloading</source>
            <translation>téléchargement</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="67" />
            <source>downloading {pct} %</source>
            <translation>téléchargement {pct} %</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="70" />
            <source>verifying</source>
            <translation>vérification</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="73" />
            <source>done, not verified (no checksum published)</source>
            <translation>terminé, non vérifié (aucune somme de contrôle publiée)</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="74" />
            <location filename="../ui/downloads_widget.py" line="511" />
            <source>done</source>
            <translation>terminé</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="76" />
            <source>skipped: already present</source>
            <translation>ignoré : déjà présent</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="78" />
            <source>failed: {message}</source>
            <translation>échec : {message}</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="80" />
            <source>offline: {message}</source>
            <translation>hors ligne : {message}</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="81" />
            <source>offline (in the long-term archive)</source>
            <translation>hors ligne (dans l'archive à long terme)</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="83" />
            <source>not verified: {message}</source>
            <translation>non vérifié : {message}</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="85" />
            <source>cancelled (partial file kept)</source>
            <translation>annulé (fichier partiel conservé)</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="85" />
            <location filename="../ui/downloads_widget.py" line="514" />
            <source>cancelled</source>
            <translation>annulé</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="86" />
            <location filename="../ui/downloads_widget.py" line="511" />
            <source>queued</source>
            <translation>en attente</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="93" />
            <source>State</source>
            <translation>État</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="93" />
            <source>Progress</source>
            <translation>Progression</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="93" />
            <source>Size</source>
            <translation>Taille</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="93" />
            <source>Speed</source>
            <translation>Débit</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="94" />
            <source>Time left</source>
            <translation>Temps restant</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="94" />
            <source>File</source>
            <translation>Fichier</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="309" />
            <location filename="../ui/downloads_widget.py" line="504" />
            <source>No downloads yet.</source>
            <translation>Aucun téléchargement pour l'instant.</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="312" />
            <source>Cancel selected</source>
            <translation>Annuler la sélection</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="313" />
            <source>Cancel all</source>
            <translation>Tout annuler</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="314" />
            <source>Clear finished</source>
            <translation>Effacer les terminés</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="315" />
            <source>Open folder</source>
            <translation>Ouvrir le dossier</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="316" />
            <source>Unpack archives</source>
            <translation>Décompresser les archives</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="318" />
            <source>Extract product archives (.zip) next to them once verified</source>
            <translation>Extraire les archives des produits (.zip) à côté d'elles une fois vérifiées</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="319" />
            <source>Stop the selected downloads; partial files are kept and resume next time</source>
            <translation>Arrêter les téléchargements sélectionnés ; les fichiers partiels sont conservés et reprennent la prochaine fois</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="321" />
            <source>Stop every running download; partial files are kept</source>
            <translation>Arrêter tous les téléchargements en cours ; les fichiers partiels sont conservés</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="377" />
            <source>Resume</source>
            <translation>Reprendre</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="380" />
            <source>Forget</source>
            <translation>Oublier</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="382" />
            <source>Do not resume them (their partial files stay in the folder)</source>
            <translation>Ne pas les reprendre (leurs fichiers partiels restent dans le dossier)</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="388" />
            <source>Downloads of {count} scene(s) were interrupted when QGIS last closed; they resume where they stopped.</source>
            <translation>Les téléchargements de {count} scène(s) ont été interrompus à la dernière fermeture de QGIS ; ils reprennent là où ils se sont arrêtés.</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="418" />
            <source>Resuming {label}</source>
            <translation>Reprise : {label}</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="450" />
            <source>Downloading {count} scenes</source>
            <translation>Téléchargement de {count} scènes</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="451" />
            <source>Downloading {scene}</source>
            <translation>Téléchargement de {scene}</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="502" />
            <source>Not downloaded: {problems}</source>
            <translation>Non téléchargé : {problems}</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="512" />
            <source>already present</source>
            <translation>déjà présent</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="512" />
            <source>not verified</source>
            <translation>non vérifié</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="512" />
            <source>failed</source>
            <translation>échec</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="513" />
            <source>offline</source>
            <translation>hors ligne</translation>
        </message>
        <message>
            <location filename="../ui/footprints.py" line="24" />
            <source>Scene footprints</source>
            <translation>Emprises des scènes</translation>
        </message>
        <message>
            <location filename="../ui/grouped_model.py" line="62" />
            <source>Sources</source>
            <translation>Sources</translation>
        </message>
        <message>
            <location filename="../ui/grouped_model.py" line="74" />
            <source>{count} sources, {name} forced</source>
            <translation>{count} sources, {name} imposée</translation>
        </message>
        <message>
            <location filename="../ui/grouped_model.py" line="75" />
            <source>{count} sources</source>
            <translation>{count} sources</translation>
        </message>
        <message>
            <location filename="../ui/results_model.py" line="58" />
            <source>Date</source>
            <translation>Date</translation>
        </message>
        <message>
            <location filename="../ui/results_model.py" line="58" />
            <source>Collection</source>
            <translation>Collection</translation>
        </message>
        <message>
            <location filename="../ui/results_model.py" line="58" />
            <source>ID</source>
            <translation>ID</translation>
        </message>
        <message>
            <location filename="../ui/results_model.py" line="58" />
            <source>Platform</source>
            <translation>Plateforme</translation>
        </message>
        <message>
            <location filename="../ui/results_model.py" line="59" />
            <source>Thumbnail</source>
            <translation>Vignette</translation>
        </message>
        <message>
            <location filename="../ui/results_model.py" line="121" />
            <location filename="../ui/scene_panel.py" line="116" />
            <source>Scene key: {key}</source>
            <translation>Clé de scène : {key}</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="96" />
            <source>Source: by your preference.</source>
            <translation>Source : selon votre préférence.</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="106" />
            <source>Use source</source>
            <translation>Utiliser la source</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="108" />
            <source>Automatic (by preference)</source>
            <translation>Automatique (selon la préférence)</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="126" />
            <source>Sources are chosen by: {rule}.</source>
            <translation>Les sources sont choisies selon : {rule}.</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="157" />
            <source>{id} has no Cloud Optimized GeoTIFF asset to stream.</source>
            <translation>{id} n'a pas de ressource Cloud Optimized GeoTIFF à afficher en flux.</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="158" />
            <source>The chosen source of {id} has no asset “{key}”.</source>
            <translation>La source choisie pour {id} n’a pas de fichier « {key} ».</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="163" />
            <source>EO Scene Finder: open {id} {key}</source>
            <translation>EO Scene Finder : ouverture de {id} {key}</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="170" />
            <source>Could not add {id} {key}</source>
            <translation>Impossible d'ajouter {id} {key}</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="178" />
            <source>Added {name} to the map from {source} ({first} failed).</source>
            <translation>{name} ajouté à la carte depuis {source} ({first} a échoué).</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="181" />
            <source>Added {name} to the map.</source>
            <translation>{name} ajoutée à la carte.</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="217" />
            <source>nothing could be downloaded</source>
            <translation>rien n’a pu être téléchargé</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="218" />
            <source>{source} failed ({reason}): trying {next}</source>
            <translation>{source} a échoué ({reason}) : essai de {next}</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="256" />
            <source>Best coverage needs an area of interest: draw one (or take the map extent) and search, then try again.</source>
            <translation>La meilleure couverture demande une zone d’intérêt : dessinez-en une (ou prenez l’emprise de la carte) et lancez la recherche, puis réessayez.</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="261" />
            <source>Best coverage needs search results with footprints: search first.</source>
            <translation>La meilleure couverture demande des résultats avec emprises : lancez d’abord une recherche.</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="284" />
            <source>EO Scene Finder: best coverage</source>
            <translation>EO Scene Finder : meilleure couverture</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="288" />
            <source>Choosing the scenes that cover the area…</source>
            <translation>Choix des scènes qui couvrent la zone…</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="312" />
            <source>Best coverage: {count} scenes selected.</source>
            <translation>Meilleure couverture : {count} scènes sélectionnées.</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="341" />
            <source>No mosaic: {ids} has no Cloud Optimized GeoTIFF to stream.</source>
            <translation>Pas de mosaïque : {ids} n’a pas de Cloud Optimized GeoTIFF à diffuser.</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="342" />
            <source>Run Best coverage first.</source>
            <translation>Lancez d’abord Meilleure couverture.</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="345" />
            <source>Mosaic of {count} scenes · {asset}</source>
            <translation>Mosaïque de {count} scènes · {asset}</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="372" />
            <source>EO Scene Finder: mosaic of {count} scenes</source>
            <translation>EO Scene Finder : mosaïque de {count} scènes</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="376" />
            <source>Added {name} to the map (streamed).</source>
            <translation>{name} ajouté à la carte (diffusé).</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="378" />
            <source>Could not build the mosaic</source>
            <translation>Impossible de construire la mosaïque</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="55" />
            <location filename="../ui/scene_panel.py" line="114" />
            <source>Select a scene in the results.</source>
            <translation>Sélectionnez une scène dans les résultats.</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="74" />
            <source>Assets</source>
            <translation>Ressources</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="78" />
            <source>Asset</source>
            <translation>Ressource</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="78" />
            <source>Type</source>
            <translation>Type</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="78" />
            <source>Roles</source>
            <translation>Rôles</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="88" />
            <source>Copy link</source>
            <translation>Copier le lien</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="95" />
            <source>Properties</source>
            <translation>Propriétés</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="99" />
            <source>Property</source>
            <translation>Propriété</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="99" />
            <source>Value</source>
            <translation>Valeur</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="99" />
            <source>Source</source>
            <translation>Source</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="117" />
            <source>cloud {cloud:.1f} %</source>
            <translation>nuages {cloud:.1f} %</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="136" />
            <source>Sources: {names}</source>
            <translation>Sources : {names}</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="156" />
            <source>No quicklook</source>
            <translation>Pas d'aperçu</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="162" />
            <source>Loading quicklook…</source>
            <translation>Chargement de l'aperçu…</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="170" />
            <source>EO Scene Finder: quicklook {id}</source>
            <translation>EO Scene Finder : aperçu de {id}</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="178" />
            <source>Quicklook unavailable: {reason}</source>
            <translation>Aperçu indisponible : {reason}</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="179" />
            <source>Quicklook unavailable</source>
            <translation>Aperçu indisponible</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="185" />
            <source>Quicklook is not an image</source>
            <translation>L'aperçu n'est pas une image</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="214" />
            <source>Copied the link of {asset} (unsigned; streaming signs it on use).</source>
            <translation>Lien de {asset} copié (non signé ; l'affichage en flux le signe à l'usage).</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="111" />
            <source>EO Scene Finder: search {label}</source>
            <translation>EO Scene Finder : recherche sur {label}</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="118" />
            <source>Searching {label}…</source>
            <translation>Recherche sur {label}…</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="187" />
            <source> — more are loading…</source>
            <translation> — d'autres arrivent…</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="189" />
            <source>{count} scenes{details}</source>
            <translation>{count} scènes{details}</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="212" />
            <source>{received} of {total} scenes</source>
            <translation>{received} scènes sur {total}</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="253" />
            <source>Search failed after {count} scenes</source>
            <translation>La recherche a échoué après {count} scènes</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="254" />
            <source>Search failed</source>
            <translation>La recherche a échoué</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="258" />
            <source>Search cancelled: {count} scenes (more exist on the server)</source>
            <translation>Recherche annulée : {count} scènes (le serveur en a d'autres)</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="259" />
            <source>Search cancelled: {count} scenes</source>
            <translation>Recherche annulée : {count} scènes</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="263" />
            <source> (stopped at your cap of {limit}; more exist on the server)</source>
            <translation> (arrêt à votre limite de {limit} ; le serveur en a d'autres)</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="265" />
            <source> of {matched} matching</source>
            <translation> sur {matched} correspondantes</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="273" />
            <source> — {count} document(s) could not be read</source>
            <translation> — {count} document(s) illisible(s)</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="275" />
            <source>{count} scenes{details}.</source>
            <translation>{count} scènes{details}.</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="276" />
            <source>No scene matches these filters.</source>
            <translation>Aucune scène ne correspond à ces filtres.</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="290" />
            <source>{label} {count}…</source>
            <translation>{label} {count}…</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="292" />
            <location filename="../ui/search_controller.py" line="331" />
            <source>{label} failed: {message}</source>
            <translation>{label} a échoué : {message}</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="295" />
            <source>{label} {count} (cancelled)</source>
            <translation>{label} {count} (annulée)</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="297" />
            <source>{label} {count} ✓</source>
            <translation>{label} {count} ✓</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="316" />
            <source>Search cancelled: {count} scenes from {catalogs} catalogs</source>
            <translation>Recherche annulée : {count} scènes de {catalogs} catalogues</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="318" />
            <source>{count} scenes from {catalogs} catalogs</source>
            <translation>{count} scènes de {catalogs} catalogues</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="320" />
            <source> ({failed} failed: {names})</source>
            <translation> ({failed} en échec : {names})</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="332" />
            <source> (cancelled)</source>
            <translation> (annulée)</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="334" />
            <source> (capped)</source>
            <translation> (plafonnée)</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="335" />
            <source>{label} {count} ✓{tail}</source>
            <translation>{label} {count} ✓{tail}</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="25" />
            <source>Newest first</source>
            <translation>Plus récentes d'abord</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="26" />
            <source>Oldest first</source>
            <translation>Plus anciennes d'abord</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="27" />
            <source>Least cloudy first</source>
            <translation>Moins nuageuses d'abord</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="28" />
            <source>Server order</source>
            <translation>Ordre du serveur</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="73" />
            <source>Manage connections</source>
            <translation>Gérer les connexions</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="79" />
            <source>Search other catalogs at the same time</source>
            <translation>Interroger d’autres catalogues en même temps</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="100" />
            <source>Filter collections (Enter searches the server)</source>
            <translation>Filtrer les collections (Entrée interroge le serveur)</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="105" />
            <source>Reload the collections</source>
            <translation>Recharger les collections</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="117" />
            <source>Collections</source>
            <translation>Collections</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="122" />
            <source>Draw a rectangle on the map</source>
            <translation>Dessiner un rectangle sur la carte</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="123" />
            <source>Draw a polygon (right-click or double-click to finish)</source>
            <translation>Dessiner un polygone (clic droit ou double-clic pour terminer)</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="124" />
            <source>Map</source>
            <translation>Carte</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="124" />
            <source>Use the current map extent</source>
            <translation>Utiliser l'emprise actuelle de la carte</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="125" />
            <source>Layer</source>
            <translation>Couche</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="125" />
            <source>Use the extent of the active layer</source>
            <translation>Utiliser l'emprise de la couche active</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="126" />
            <source>Selected</source>
            <translation>Sélection</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="126" />
            <source>Use the selected features of the active layer (their union)</source>
            <translation>Utiliser les entités sélectionnées de la couche active (leur union)</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="128" />
            <source>Clear the area of interest (search everywhere)</source>
            <translation>Effacer la zone d'intérêt (rechercher partout)</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="139" />
            <location filename="../ui/search_panel.py" line="537" />
            <source>No area: the whole world</source>
            <translation>Aucune zone : le monde entier</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="142" />
            <location filename="../ui/search_panel.py" line="540" />
            <source>Area</source>
            <translation>Zone</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="146" />
            <source>Filter by acquisition date (end date included)</source>
            <translation>Filtrer par date d'acquisition (date de fin incluse)</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="164" />
            <source>Dates</source>
            <translation>Dates</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="177" />
            <source>Max cloud</source>
            <translation>Nuages max.</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="181" />
            <source>CQL2, e.g. platform = 'landsat-8' AND view:sun_elevation &gt; 30</source>
            <translation>CQL2, par ex. platform = 'landsat-8' AND view:sun_elevation &gt; 30</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="185" />
            <source>Filter</source>
            <translation>Filtre</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="188" />
            <source>Attributes</source>
            <translation>Attributs</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="205" />
            <source>all</source>
            <translation>toutes</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="206" />
            <source>At most this many scenes (0 = all)</source>
            <translation>Au plus ce nombre de scènes (0 = toutes)</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="208" />
            <source>max</source>
            <translation>max.</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="210" />
            <source>Sort</source>
            <translation>Tri</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="217" />
            <source>Cancel</source>
            <translation>Annuler</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="223" />
            <source>Group same scenes</source>
            <translation>Regrouper les mêmes scènes</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="237" />
            <source>Details…</source>
            <translation>Détails…</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="311" />
            <source>Also search:</source>
            <translation>Interroger aussi :</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="332" />
            <source>+{count}</source>
            <translation>+{count}</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="367" />
            <source>Properties you can filter on: {names}</source>
            <translation>Propriétés sur lesquelles filtrer : {names}</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="481" />
            <location filename="../ui/search_panel.py" line="488" />
            <location filename="../ui/search_panel.py" line="544" />
            <source>any</source>
            <translation>indifférent</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="488" />
            <source>any (a number)</source>
            <translation>indifférent (un nombre)</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="523" />
            <source>Select a layer in the Layers panel first.</source>
            <translation>Sélectionnez d'abord une couche dans le panneau Couches.</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="530" />
            <source>Select a vector layer with selected polygons first.</source>
            <translation>Sélectionnez d'abord une couche vecteur avec des polygones sélectionnés.</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="533" />
            <source>“{name}” has no selected polygon features.</source>
            <translation>« {name} » n'a aucun polygone sélectionné.</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="539" />
            <source>{area} · {km2:,.0f} km²</source>
            <translation>{area} · {km2:,.0f} km²</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="544" />
            <source>≤ {value} %</source>
            <translation>≤ {value} %</translation>
        </message>
        <message>
            <location filename="../ui/source_choice.py" line="94" />
            <source>Source: {connection} (you chose it for this scene)</source>
            <translation>Source : {connection} (choisie par vous pour cette scène)</translation>
        </message>
        <message>
            <location filename="../ui/source_choice.py" line="96" />
            <source>Source: {why}</source>
            <translation>Source : {why}</translation>
        </message>
        <message>
            <location filename="../ui/source_choice.py" line="104" />
            <source>Source preference</source>
            <translation>Préférence de source</translation>
        </message>
        <message>
            <location filename="../ui/source_choice.py" line="107" />
            <source>When a scene is in several catalogs, Add to map and Download use the source that wins on the first criterion below, then the next one… If it fails, the next source is tried.</source>
            <translation>Quand une scène est dans plusieurs catalogues, Ajouter à la carte et Télécharger utilisent la source qui l’emporte sur le premier critère ci-dessous, puis le suivant… Si elle échoue, la source suivante est essayée.</translation>
        </message>
        <message>
            <location filename="../ui/source_choice.py" line="120" />
            <source>Up</source>
            <translation>Monter</translation>
        </message>
        <message>
            <location filename="../ui/source_choice.py" line="123" />
            <source>Down</source>
            <translation>Descendre</translation>
        </message>
        <message>
            <location filename="../ui/source_choice.py" line="126" />
            <source>Default</source>
            <translation>Par défaut</translation>
        </message>
        <message>
            <location filename="../ui/thumbnails.py" line="79" />
            <source>EO Scene Finder: thumbnail {id}</source>
            <translation>EO Scene Finder : vignette de {id}</translation>
        </message>
        <message>
            <location filename="../ui/timeline.py" line="95" />
            <source>Scenes over time. Drag to keep one period in the table and on the map; double-click to show every date again.</source>
            <translation>Scènes dans le temps. Faites glisser pour ne garder qu'une période dans le tableau et sur la carte ; double-cliquez pour revoir toutes les dates.</translation>
        </message>
        <message>
            <location filename="../ui/timeline.py" line="205" />
            <source>Scenes over time appear here</source>
            <translation>La répartition des scènes dans le temps s'affiche ici</translation>
        </message>
        <message>
            <location filename="../ui/timeline.py" line="237" />
            <source>{count} scenes per month</source>
            <translation>{count} scènes par mois</translation>
        </message>
        <message>
            <location filename="../ui/timeline.py" line="239" />
            <source>{count} scenes per week</source>
            <translation>{count} scènes par semaine</translation>
        </message>
        <message>
            <location filename="../ui/timeline.py" line="240" />
            <source>{count} scenes per day</source>
            <translation>{count} scènes par jour</translation>
        </message>
        <message>
            <source>GDAL could not open {scene_id} {asset_key}: {err}</source>
            <translation type="vanished">GDAL n'a pas pu ouvrir {scene_id} {asset_key} : {err}</translation>
        </message>
        <message>
            <source>Searches a catalog and writes one polygon per scene (EPSG:4326) with its id, collection, date, cloud cover, platform, assets and full record, so Download, Mosaic and Export can work from the layer alone.

CONNECTION: a saved connection's name, a preset id (earth-search, planetary-computer, dinamis, isdeform, cdse, demo…), a STAC API or static catalog URL/path, or KIND+URL?option=… . Dates are inclusive whole days (UTC) or ISO datetimes. SORTBY: fields separated by commas, '-' for descending (e.g. -datetime,eo:cloud_cover). LIMIT 0 = all results. IDS: scene or product ids, comma-separated (the only way into a bucket without an area).</source>
            <translation type="vanished">Interroge un catalogue et écrit un polygone par scène (EPSG:4326) avec son identifiant, sa collection, sa date, sa couverture nuageuse, sa plateforme, ses ressources et son enregistrement complet, de sorte que Télécharger, Mosaïque et Exporter puissent travailler à partir de la couche seule.

CONNECTION : le nom d'une connexion enregistrée, l'identifiant d'un préréglage (earth-search, planetary-computer, dinamis, isdeform, cdse, demo…), l'URL ou le chemin d'une API STAC ou d'un catalogue statique, ou TYPE+URL?option=… . Les dates sont des jours entiers inclus (UTC) ou des dates-heures ISO. SORTBY : champs séparés par des virgules, « - » pour l'ordre décroissant (par ex. -datetime,eo:cloud_cover). LIMIT 0 = tous les résultats. IDS : identifiants de scènes ou de produits, séparés par des virgules (le seul moyen d'entrer dans un bucket sans emprise).</translation>
        </message>
        <message>
            <source>Searches a catalog and writes one polygon per scene (EPSG:4326) with its id, collection, date, cloud cover, platform, assets and full record, so Download, Mosaic and Export can work from the layer alone.

CONNECTION: a saved connection's name, a preset id (earth-search, planetary-computer, dinamis, isdeform, cdse, demo…), a STAC API or static catalog URL/path, or KIND+URL?option=… . Dates are inclusive whole days (UTC) or ISO datetimes. SORTBY: fields separated by commas, '-' for descending (e.g. -datetime,eo:cloud_cover). LIMIT 0 = all results.</source>
            <translation type="vanished">Interroge un catalogue et écrit un polygone par scène (EPSG:4326) avec son identifiant, sa collection, sa date, sa couverture nuageuse, sa plateforme, ses ressources et son enregistrement complet, de sorte que Télécharger, Mosaïque et Exporter puissent travailler à partir de la couche seule.

CONNECTION : le nom d'une connexion enregistrée, l'identifiant d'un préréglage (earth-search, planetary-computer, dinamis, isdeform, cdse, demo…), l'URL ou le chemin d'une API STAC ou d'un catalogue statique, ou TYPE+URL?option=… . Les dates sont des jours entiers inclus (UTC) ou des dates-heures ISO. SORTBY : champs séparés par des virgules, « - » pour l'ordre décroissant (par ex. -datetime,eo:cloud_cover). LIMIT 0 = tous les résultats.</translation>
        </message>
    </context>
</TS>
