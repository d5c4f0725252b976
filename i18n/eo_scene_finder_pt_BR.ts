<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="pt_BR">
    <context>
        <name>EoSceneFinder</name>
        <message>
            <location filename="../algorithms/common.py" line="32" />
            <source>QGIS's network settings could not be applied: {err}</source>
            <translation>Não foi possível aplicar as configurações de rede do QGIS: {err}</translation>
        </message>
        <message>
            <location filename="../algorithms/common.py" line="51" />
            <source>The input layer has no “{missing}” field: use a layer made by “EO Scene Finder › Search scenes” or the panel's “Scene footprints” layer (with “Selected features only”).</source>
            <translation>A camada de entrada não tem o campo “{missing}”: use uma camada gerada por “EO Scene Finder › Buscar cenas” ou a camada “Contornos das cenas” do painel (com “Somente feições selecionadas”).</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="40" />
            <source>Best coverage of an area</source>
            <translation>Melhor cobertura de uma área</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="43" />
            <source>Chooses, among the scenes of a layer made by “Search scenes”, the fewest and least cloudy that together cover TARGET_PERCENT of the area of interest (greedy set cover of the footprints clipped to the area, each scene weighted by its clear fraction; when one date and orbit alone covers enough, that pass is chosen, for a seamless mosaic). MAX_SCENES 0 = no limit. The same scene found in several catalogs (same scene_key) counts once: the output keeps one row for it, from the preferred catalog (cloud-optimised format over archives, no credentials needed over credentials, free over requester-pays, online over offline, then the download speed measured from its host). The output has the input's fields, so it feeds “Virtual mosaic” and “Download scenes”. COVERAGE_PERCENT says how much of the area the chosen scenes cover; when the target cannot be reached the scenes that come closest are written and a warning says why.</source>
            <translation>Escolhe, entre as cenas de uma camada feita por “Pesquisar cenas”, as menos numerosas e menos nubladas que juntas cobrem TARGET_PERCENT da área de interesse (cobertura gulosa das footprints recortadas à área, cada cena ponderada pela sua fração sem nuvens; quando uma única data e órbita cobre o suficiente, essa passagem é escolhida, para um mosaico sem emendas). MAX_SCENES 0 = sem limite. A mesma cena encontrada em vários catálogos (mesma scene_key) conta uma vez: a saída guarda uma linha para ela, do catálogo preferido (formato otimizado para a nuvem em vez de arquivos, sem credenciais em vez de com, gratuito em vez de pago pelo solicitante, online em vez de offline, depois a velocidade de download medida do seu host). A saída tem os campos da entrada, então alimenta “Mosaico virtual” e “Baixar cenas”. COVERAGE_PERCENT diz quanto da área as cenas escolhidas cobrem; quando a meta não pode ser alcançada, as cenas que mais se aproximam são gravadas e um aviso diz por quê.</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="60" />
            <location filename="../algorithms/download.py" line="50" />
            <location filename="../algorithms/export.py" line="63" />
            <location filename="../algorithms/mosaic.py" line="38" />
            <source>Scenes (from Search scenes)</source>
            <translation>Cenas (de Buscar cenas)</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="63" />
            <location filename="../algorithms/search.py" line="61" />
            <source>Area of interest (union of its polygons)</source>
            <translation>Área de interesse (união dos seus polígonos)</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="65" />
            <source>Area of interest as an extent</source>
            <translation>Área de interesse como extensão</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="68" />
            <source>Target coverage (% of the area)</source>
            <translation>Cobertura desejada (% da área)</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="71" />
            <source>Maximum number of scenes (0 = no limit)</source>
            <translation>Número máximo de cenas (0 = sem limite)</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="73" />
            <source>Chosen scenes</source>
            <translation>Cenas escolhidas</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="75" />
            <source>Coverage reached (%)</source>
            <translation>Cobertura alcançada (%)</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="76" />
            <source>Number of scenes chosen</source>
            <translation>Número de cenas escolhidas</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="77" />
            <source>What was chosen, in words</source>
            <translation>O que foi escolhido, por extenso</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="82" />
            <source>The AOI layer has no polygon: nothing to cover.</source>
            <translation>A camada da área de interesse não tem polígono: nada a cobrir.</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="83" />
            <source>The extent and the AOI layer do not overlap: nothing to cover.</source>
            <translation>A extensão e a camada da área de interesse não se sobrepõem: nada a cobrir.</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="85" />
            <source>Give the area to cover: an AOI layer or an extent.</source>
            <translation>Indique a área a cobrir: uma camada de área de interesse ou uma extensão.</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="118" />
            <location filename="../algorithms/download.py" line="69" />
            <location filename="../algorithms/export.py" line="73" />
            <location filename="../algorithms/mosaic.py" line="51" />
            <source>INPUT is not a readable layer.</source>
            <translation>INPUT não é uma camada legível.</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="144" />
            <source>{rows} rows, {scenes} distinct scenes.</source>
            <translation>{rows} linhas, {scenes} cenas distintas.</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="151" />
            <location filename="../ui/scene_actions.py" line="366" />
            <location filename="../ui/scene_actions.py" line="369" />
            <source>Cancelled.</source>
            <translation>Cancelado.</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="157" />
            <location filename="../algorithms/search.py" line="114" />
            <source>Could not create the output layer.</source>
            <translation>Não foi possível criar a camada de saída.</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="165" />
            <source>{scene} (+{added} % of the area, cloud {cloud})</source>
            <translation>{scene} (+{added} % da área, nuvens {cloud})</translation>
        </message>
        <message>
            <location filename="../algorithms/coverage.py" line="169" />
            <source> from {connection}, also in {others}</source>
            <translation> de {connection}, também em {others}</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="31" />
            <source>HTTPS (the catalog's links)</source>
            <translation>HTTPS (os links do catálogo)</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="37" />
            <source>Download scenes</source>
            <translation>Baixar cenas</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="40" />
            <source>Downloads the scenes of a layer made by “Search scenes” (the selected features only when “Selected features only” is ticked) into &lt;folder&gt;/&lt;collection&gt;/&lt;scene id&gt;/. Parallel, resumable (.part files), checksum-verified; files already downloaded and verified are skipped.

ASSETS: comma-separated asset keys; empty = the whole product for product catalogs, all data assets for STAC.</source>
            <translation>Baixa as cenas de uma camada gerada por “Buscar cenas” (somente as feições selecionadas quando “Somente feições selecionadas” estiver marcado) em &lt;pasta&gt;/&lt;coleção&gt;/&lt;id da cena&gt;/. Em paralelo, com retomada (arquivos .part) e verificação de checksum; arquivos já baixados e verificados são ignorados.

ASSETS: chaves dos recursos separadas por vírgulas; vazio = o produto inteiro para catálogos de produtos, todos os recursos de dados para STAC.</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="52" />
            <source>Asset keys (comma-separated)</source>
            <translation>Chaves dos recursos (separadas por vírgulas)</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="53" />
            <source>Output folder</source>
            <translation>Pasta de saída</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="54" />
            <source>Unpack product archives</source>
            <translation>Descompactar os arquivos dos produtos</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="55" />
            <source>Transfer</source>
            <translation>Transferência</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="57" />
            <source>Download report</source>
            <translation>Relatório de download</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="59" />
            <source>Folder</source>
            <translation>Pasta</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="76" />
            <source>The input layer has no scene to download.</source>
            <translation>A camada de entrada não tem nenhuma cena para baixar.</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="93" />
            <source>{id} has no asset {missing}; it has: {assets}</source>
            <translation>{id} não tem o recurso {missing}; ela tem: {assets}</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="103" />
            <source>Nothing to download: no scene has the requested assets.</source>
            <translation>Nada para baixar: nenhuma cena tem os recursos pedidos.</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="104" />
            <source>{count} file(s) to fetch into {folder}</source>
            <translation>{count} arquivo(s) para buscar em {folder}</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="139" />
            <source>Cancelled: partial files stay as .part and resume on the next run.</source>
            <translation>Cancelado: os arquivos parciais ficam como .part e são retomados na próxima execução.</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="153" />
            <source>TRANSFER=S3 works with {kinds} connections; {id} comes from “{conn}”.</source>
            <translation>TRANSFER=S3 funciona com conexões {kinds}; {id} vem de “{conn}”.</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="190" />
            <source>Downloaded {done}, skipped {skipped} (already present), failed {failed}.</source>
            <translation>Baixados: {done}, ignorados: {skipped} (já presentes), com falha: {failed}.</translation>
        </message>
        <message>
            <location filename="../algorithms/download.py" line="193" />
            <source>Not verified: {unverified} (kept as .unverified: the file never matched its published checksum).</source>
            <translation>Não verificados: {unverified} (mantidos como .unverified: o arquivo nunca correspondeu ao checksum publicado).</translation>
        </message>
        <message>
            <location filename="../algorithms/export.py" line="20" />
            <source>STAC ItemCollection (GeoJSON)</source>
            <translation>ItemCollection STAC (GeoJSON)</translation>
        </message>
        <message>
            <location filename="../algorithms/export.py" line="20" />
            <source>CSV listing (id,name)</source>
            <translation>Lista CSV (id,name)</translation>
        </message>
        <message>
            <location filename="../algorithms/export.py" line="52" />
            <source>Export scene list</source>
            <translation>Exportar a lista de cenas</translation>
        </message>
        <message>
            <location filename="../algorithms/export.py" line="55" />
            <source>Writes the scenes of a layer made by “Search scenes” as a STAC ItemCollection (GeoJSON), as a CSV listing with the two columns id,name (as cdsodatacli writes it: product Id and Name for Copernicus Data Space, the item id otherwise), or as a GeoPackage.</source>
            <translation>Grava as cenas de uma camada gerada por “Buscar cenas” como ItemCollection STAC (GeoJSON), como lista CSV com as duas colunas id,name (como o cdsodatacli grava: Id e Name do produto para o Copernicus Data Space, o id do item nos demais casos) ou como GeoPackage.</translation>
        </message>
        <message>
            <location filename="../algorithms/export.py" line="65" />
            <source>Format</source>
            <translation>Formato</translation>
        </message>
        <message>
            <location filename="../algorithms/export.py" line="68" />
            <source>Output file</source>
            <translation>Arquivo de saída</translation>
        </message>
        <message>
            <location filename="../algorithms/export.py" line="77" />
            <source>OUTPUT is empty.</source>
            <translation>OUTPUT está vazio.</translation>
        </message>
        <message>
            <location filename="../algorithms/export.py" line="113" />
            <source>Wrote {count} scene(s) to {destination}</source>
            <translation>{count} cena(s) gravada(s) em {destination}</translation>
        </message>
        <message>
            <location filename="../algorithms/export.py" line="131" />
            <location filename="../algorithms/export.py" line="145" />
            <source>Writing the GeoPackage failed: {error}</source>
            <translation>Falha ao gravar o GeoPackage: {error}</translation>
        </message>
        <message>
            <location filename="../algorithms/mosaic.py" line="24" />
            <source>Virtual mosaic of an asset</source>
            <translation>Mosaico virtual de um recurso</translation>
        </message>
        <message>
            <location filename="../algorithms/mosaic.py" line="27" />
            <source>Builds a GDAL virtual mosaic (.vrt) of one asset (e.g. visual, B04, src_xs) of the scenes of a layer made by “Search scenes” (selected features only when ticked), optionally clipped to an extent. The imagery streams through /vsicurl/ with signed URLs; nothing is downloaded. Scenes in different projections are warped on the fly to the first scene's CRS. Signed URLs inside the VRT expire with the catalog's signatures (DINAMIS: 8 h; Planetary Computer: about 1 h): run the algorithm again to refresh them.</source>
            <translation>Monta um mosaico virtual GDAL (.vrt) de um recurso (por ex. visual, B04, src_xs) das cenas de uma camada gerada por “Buscar cenas” (somente as feições selecionadas, se marcado), opcionalmente recortado por uma extensão. As imagens são lidas por streaming via /vsicurl/ com URLs assinadas; nada é baixado. Cenas em projeções diferentes são reprojetadas em tempo real para o SRC da primeira cena. As URLs assinadas dentro do VRT expiram com as assinaturas do catálogo (DINAMIS: 8 h; Planetary Computer: cerca de 1 h): execute o algoritmo de novo para renová-las.</translation>
        </message>
        <message>
            <location filename="../algorithms/mosaic.py" line="40" />
            <source>Asset key</source>
            <translation>Chave do recurso</translation>
        </message>
        <message>
            <location filename="../algorithms/mosaic.py" line="41" />
            <source>Clip to extent</source>
            <translation>Recortar pela extensão</translation>
        </message>
        <message>
            <location filename="../algorithms/mosaic.py" line="42" />
            <source>Mosaic (VRT)</source>
            <translation>Mosaico (VRT)</translation>
        </message>
        <message>
            <location filename="../algorithms/mosaic.py" line="54" />
            <source>ASSET is empty: name the asset to mosaic (e.g. visual, B04).</source>
            <translation>ASSET está vazio: informe o recurso do mosaico (por ex. visual, B04).</translation>
        </message>
        <message>
            <location filename="../algorithms/mosaic.py" line="63" />
            <source>{id} has no asset “{asset_key}” (it has {assets})</source>
            <translation>{id} não tem o recurso “{asset_key}” (tem {assets})</translation>
        </message>
        <message>
            <location filename="../algorithms/mosaic.py" line="75" />
            <source>No scene has the asset “{asset_key}”.</source>
            <translation>Nenhuma cena tem o recurso “{asset_key}”.</translation>
        </message>
        <message>
            <location filename="../algorithms/mosaic.py" line="76" />
            <source>Mosaicking {count} scene(s)</source>
            <translation>Montando o mosaico de {count} cena(s)</translation>
        </message>
        <message>
            <location filename="../algorithms/mosaic.py" line="94" />
            <source>Wrote {output}</source>
            <translation>{output} gravado</translation>
        </message>
        <message>
            <location filename="../algorithms/provider.py" line="23" />
            <source>EO Scene Finder — satellite scene search and download</source>
            <translation>EO Scene Finder — busca e download de cenas de satélite</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="35" />
            <source>Search scenes</source>
            <translation>Buscar cenas</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="39" />
            <source>Searches one or several catalogs and writes one polygon per scene and catalog (EPSG:4326) with its id, collection, date, cloud cover, platform, connection, scene_key, assets and full record, so Download, Mosaic, Export and Best coverage can work from the layer alone.

CONNECTION: a saved connection's name, a preset id (earth-search, planetary-computer, dinamis, isdeform, cdse, demo…), a STAC API or static catalog URL/path, or KIND+URL?option=… . Several catalogs: separate them with ';' (or ',' when each piece is a catalog on its own); they are searched at the same time, and the same scene found in several of them gives one row per catalog with the same scene_key. A catalog that fails is reported as a warning and the others' rows are kept. Well-known collections are renamed for each catalog (sentinel-2-l2a is SENTINEL-2, product type S2MSI2A, on the Copernicus Data Space). Dates are inclusive whole days (UTC) or ISO datetimes. SORTBY: fields separated by commas, '-' for descending (e.g. -datetime,eo:cloud_cover). LIMIT 0 = all results (per catalog). IDS: scene or product ids, comma-separated (the only way into a bucket without an area).</source>
            <translation>Pesquisa um ou vários catálogos e grava um polígono por cena e por catálogo (EPSG:4326) com o seu id, coleção, data, cobertura de nuvens, plataforma, conexão, scene_key, recursos e registro completo, para que Baixar, Mosaico, Exportar e Melhor cobertura possam trabalhar só a partir da camada.

CONNECTION: o nome de uma conexão salva, o id de uma predefinição (earth-search, planetary-computer, dinamis, isdeform, cdse, demo…), a URL ou o caminho de uma API STAC ou de um catálogo estático, ou KIND+URL?option=… . Vários catálogos: separe-os com ';' (ou ',' quando cada parte é um catálogo por si só); eles são pesquisados ao mesmo tempo, e a mesma cena encontrada em vários deles dá uma linha por catálogo com a mesma scene_key. Um catálogo que falha é informado num aviso e as linhas dos outros são mantidas. Coleções conhecidas são renomeadas para cada catálogo (sentinel-2-l2a é SENTINEL-2, tipo de produto S2MSI2A, no Copernicus Data Space). As datas são dias inteiros inclusivos (UTC) ou data-horas ISO. SORTBY: campos separados por vírgulas, '-' para ordem decrescente (ex.: -datetime,eo:cloud_cover). LIMIT 0 = todos os resultados (por catálogo). IDS: ids de cenas ou produtos, separados por vírgulas (a única forma de entrar num bucket sem área).</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="56" />
            <location filename="../ui/results_model.py" line="59" />
            <location filename="../ui/search_panel.py" line="94" />
            <source>Connection</source>
            <translation>Conexão</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="57" />
            <source>Collections (comma-separated)</source>
            <translation>Coleções (separadas por vírgulas)</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="59" />
            <source>Extent</source>
            <translation>Extensão</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="62" />
            <source>Start (date or ISO datetime)</source>
            <translation>Início (data ou data-hora ISO)</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="63" />
            <source>End (inclusive)</source>
            <translation>Fim (inclusivo)</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="65" />
            <source>Maximum cloud cover (%)</source>
            <translation>Cobertura máxima de nuvens (%)</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="67" />
            <source>CQL2 filter</source>
            <translation>Filtro CQL2</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="68" />
            <source>Sort by</source>
            <translation>Ordenar por</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="69" />
            <source>Scene ids (comma-separated)</source>
            <translation>Identificadores das cenas (separados por vírgulas)</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="70" />
            <source>Maximum number of scenes (0 = all)</source>
            <translation>Número máximo de cenas (0 = todas)</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="73" />
            <source>Scenes</source>
            <translation>Cenas</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="74" />
            <source>Number of scenes</source>
            <translation>Número de cenas</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="78" />
            <source>The AOI layer has no polygon: nothing to search in.</source>
            <translation>A camada da área de interesse não tem polígono: nada onde buscar.</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="79" />
            <source>The extent and the AOI layer do not overlap: nothing to search in.</source>
            <translation>A extensão e a camada da área de interesse não se sobrepõem: nada onde buscar.</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="84" />
            <source>CONNECTION is empty: give a preset id, a saved connection or a URL.</source>
            <translation>CONNECTION está vazio: informe o id de uma predefinição, uma conexão salva ou uma URL.</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="126" />
            <source>{connection}: {error}</source>
            <translation>{connection}: {error}</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="149" />
            <source>{count} scenes so far (more pages follow)</source>
            <translation>{count} cenas até agora (mais páginas a seguir)</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="150" />
            <source>{count} scenes so far</source>
            <translation>{count} cenas até agora</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="154" />
            <source>Stopped at LIMIT={limit}; the catalog has more scenes.</source>
            <translation>Parou em LIMIT={limit}; o catálogo tem mais cenas.</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="161" />
            <source>{connection} failed: {error} (the other catalogs' scenes are kept)</source>
            <translation>{connection} falhou: {error} (as cenas dos outros catálogos são mantidas)</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="170" />
            <source>Every catalog failed: {errors}</source>
            <translation>Todos os catálogos falharam: {errors}</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="174" />
            <source>Cancelled after {count} scenes.</source>
            <translation>Cancelado após {count} cenas.</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="176" />
            <source>Scenes per catalog: {counts}</source>
            <translation>Cenas por catálogo: {counts}</translation>
        </message>
        <message>
            <location filename="../algorithms/search.py" line="178" />
            <source>Found {count} scenes.</source>
            <translation>{count} cenas encontradas.</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="30" />
            <source>the Python package “shapely” (Debian/Ubuntu: sudo apt install python3-shapely; Windows/macOS: included in the official QGIS installers)</source>
            <translation>o pacote Python “shapely” (Debian/Ubuntu: sudo apt install python3-shapely; Windows/macOS: incluído nos instaladores oficiais do QGIS)</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="35" />
            <source>the Python package “requests” (Debian/Ubuntu: sudo apt install python3-requests)</source>
            <translation>o pacote Python “requests” (Debian/Ubuntu: sudo apt install python3-requests)</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="56" />
            <source>The Processing algorithms could not be loaded:
{details}</source>
            <translation>Não foi possível carregar os algoritmos de processamento:
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
            <translation>Buscar, pré-visualizar e baixar cenas de satélite</translation>
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
            <translation>Configurações de rede não aplicadas: {err}</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="118" />
            <source>Unloading the services failed: {err}</source>
            <translation>Falha ao encerrar os serviços: {err}</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="135" />
            <source>cannot start: missing {missing}</source>
            <translation>não é possível iniciar: falta {missing}</translation>
        </message>
        <message>
            <location filename="../plugin.py" line="137" />
            <source>Missing: {missing}</source>
            <translation>Faltando: {missing}</translation>
        </message>
        <message>
            <location filename="../services/auth_db.py" line="30" />
            <source>QGIS authentication database</source>
            <translation>banco de dados de autenticação do QGIS</translation>
        </message>
        <message>
            <location filename="../services/auth_db.py" line="58" />
            <source>QGIS's authentication database is locked (no master password).</source>
            <translation>O banco de dados de autenticação do QGIS está bloqueado (sem senha mestra).</translation>
        </message>
        <message>
            <location filename="../services/auth_db.py" line="73" />
            <source>QGIS's authentication database could not be read.</source>
            <translation>Não foi possível ler o banco de dados de autenticação do QGIS.</translation>
        </message>
        <message>
            <location filename="../services/auth_db.py" line="99" />
            <source>QGIS's authentication database refused to save the credentials.</source>
            <translation>O banco de dados de autenticação do QGIS recusou salvar as credenciais.</translation>
        </message>
        <message>
            <location filename="../services/auth_db.py" line="114" />
            <source>No OS keyring is available, so EO Scene Finder keeps connection credentials in QGIS's encrypted authentication database (protected by the QGIS master password).</source>
            <translation>Nenhum chaveiro do sistema está disponível; por isso o EO Scene Finder guarda as credenciais das conexões no banco de dados de autenticação criptografado do QGIS (protegido pela senha mestra do QGIS).</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="70" />
            <source>The connection “{name}” has a password, token or signature in a URL. URLs are saved in plain text: put credentials in the credentials fields instead.</source>
            <translation>A conexão “{name}” tem uma senha, um token ou uma assinatura em uma URL. As URLs são salvas em texto puro: coloque as credenciais nos campos de credenciais.</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="75" />
            <source>The connection option “{bad}” looks like a secret; secrets go to the credentials fields (kept in the OS keyring), never in the saved connection.</source>
            <translation>A opção de conexão “{bad}” parece um segredo; segredos vão nos campos de credenciais (guardados no chaveiro do sistema), nunca na conexão salva.</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="102" />
            <source>The saved EO Scene Finder connections could not be read; starting empty.</source>
            <translation>Não foi possível ler as conexões salvas do EO Scene Finder; iniciando sem conexões.</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="153" />
            <source>A connection needs a name.</source>
            <translation>Uma conexão precisa de um nome.</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="156" />
            <source>Unknown connection kind “{kind}”; known kinds: {kinds}.</source>
            <translation>Tipo de conexão desconhecido “{kind}”; tipos conhecidos: {kinds}.</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="164" />
            <source>A connection named “{name}” already exists.</source>
            <translation>Já existe uma conexão chamada “{name}”.</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="187" />
            <source>The credentials of “{name}” could not be removed: {error}</source>
            <translation>Não foi possível remover as credenciais de “{name}”: {error}</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="196" />
            <source>There is no connection named “{name}”.</source>
            <translation>Não há nenhuma conexão chamada “{name}”.</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="197" />
            <source>{name} (copy)</source>
            <translation>{name} (cópia)</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="228" />
            <source>{file} is not a connections file: {err}</source>
            <translation>{file} não é um arquivo de conexões: {err}</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="233" />
            <source>{file} is not an EO Scene Finder connections file.</source>
            <translation>{file} não é um arquivo de conexões do EO Scene Finder.</translation>
        </message>
        <message>
            <location filename="../services/connection_store.py" line="239" />
            <source>A connection in {file} is incomplete.</source>
            <translation>Uma conexão em {file} está incompleta.</translation>
        </message>
        <message>
            <location filename="../services/credentials.py" line="63" />
            <source>Device-code logins cannot be shown: {err}</source>
            <translation>Não é possível mostrar logins por código de dispositivo: {err}</translation>
        </message>
        <message>
            <location filename="../services/credentials.py" line="76" />
            <source>Two-factor code prompts cannot be shown: {err}</source>
            <translation>Não é possível mostrar pedidos de código de dois fatores: {err}</translation>
        </message>
        <message>
            <location filename="../services/mosaic.py" line="26" />
            <source>No raster to mosaic.</source>
            <translation>Nenhum raster para o mosaico.</translation>
        </message>
        <message>
            <location filename="../services/mosaic.py" line="36" />
            <source>GDAL could not open {label}: {err}</source>
            <translation>O GDAL não conseguiu abrir {label}: {err}</translation>
        </message>
        <message>
            <location filename="../services/mosaic.py" line="59" />
            <source>GDAL could not build the mosaic.</source>
            <translation>O GDAL não conseguiu montar o mosaico.</translation>
        </message>
        <message>
            <location filename="../services/network.py" line="76" />
            <source>QGIS is set to use a SOCKS5 proxy, but the Python package PySocks is missing: EO Scene Finder's requests will fail until it is installed.</source>
            <translation>O QGIS está configurado para usar um proxy SOCKS5, mas o pacote Python PySocks não está instalado: as requisições do EO Scene Finder vão falhar até ele ser instalado.</translation>
        </message>
        <message>
            <location filename="../services/network.py" line="167" />
            <source>The network settings could not be applied: {err}</source>
            <translation>Não foi possível aplicar as configurações de rede: {err}</translation>
        </message>
        <message>
            <location filename="../services/providers.py" line="96" />
            <source>Credentials for {name} could not be read: {error}</source>
            <translation>Não foi possível ler as credenciais de {name}: {error}</translation>
        </message>
        <message>
            <location filename="../services/providers.py" line="109" />
            <source>The catalog “{text}” could not be opened.</source>
            <translation>Não foi possível abrir o catálogo “{text}”.</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="38" />
            <source>Shapefile keeps at most 254 characters of text</source>
            <translation>o Shapefile guarda no máximo 254 caracteres de texto</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="39" />
            <source>dBase keeps at most 254 characters of text</source>
            <translation>o dBase guarda no máximo 254 caracteres de texto</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="40" />
            <source>MapInfo TAB keeps at most 254 characters of text</source>
            <translation>o MapInfo TAB guarda no máximo 254 caracteres de texto</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="41" />
            <source>MapInfo MIF keeps at most 254 characters of text</source>
            <translation>o MapInfo MIF guarda no máximo 254 caracteres de texto</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="42" />
            <source>DXF stores no attributes</source>
            <translation>o DXF não armazena atributos</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="43" />
            <source>DGN stores no attributes</source>
            <translation>o DGN não armazena atributos</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="44" />
            <source>GPX stores no polygons nor these attributes</source>
            <translation>o GPX não armazena polígonos nem esses atributos</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="45" />
            <source>S-57 stores no such attributes</source>
            <translation>o S-57 não armazena esses atributos</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="46" />
            <location filename="../services/scene_layer.py" line="47" />
            <location filename="../services/scene_layer.py" line="48" />
            <source>INTERLIS does not keep these attributes as written</source>
            <translation>o INTERLIS não mantém esses atributos como foram gravados</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="49" />
            <source>PDS4 does not keep these attributes as written</source>
            <translation>o PDS4 não mantém esses atributos como foram gravados</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="51" />
            <source>GeoPackage (.gpkg), GeoJSON (.geojson), FlatGeobuf (.fgb) or CSV (.csv)</source>
            <translation>GeoPackage (.gpkg), GeoJSON (.geojson), FlatGeobuf (.fgb) ou CSV (.csv)</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="52" />
            <source>in the EO Scene Finder panel, select the scenes (in the table or on the map), then tick “Selected features only”, or use a layer written by “Search scenes”</source>
            <translation>no painel do EO Scene Finder, selecione as cenas (na tabela ou no mapa) e marque “Somente feições selecionadas”, ou use uma camada gravada por “Buscar cenas”</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="160" />
            <source>The output {file} cannot hold the scenes' records ({reason}; a record is a whole item of several KB), so Download, Mosaic and Export could not use it. Write the scenes as {formats} instead.</source>
            <translation>A saída {file} não consegue guardar os registros das cenas ({reason}; um registro é um item inteiro de vários KB), então Baixar, Mosaico e Exportar não poderiam usá-la. Grave as cenas como {formats}.</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="194" />
            <source>, where Shapefile and MapInfo cut text</source>
            <translation>, onde Shapefile e MapInfo cortam o texto</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="196" />
            <source>The “{name}” of scene {scene_id} is cut short or damaged ({length} characters{cut}): its file format could not hold a whole record. Run “Search scenes” again and write its output as {formats}.</source>
            <translation>O campo “{name}” da cena {scene_id} está cortado ou danificado ({length} caracteres{cut}): o formato do arquivo não conseguiu guardar um registro inteiro. Execute “Buscar cenas” de novo e grave a saída como {formats}.</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="211" />
            <source>(feature {fid})</source>
            <translation>(feição {fid})</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="221" />
            <source>Scene {scene_id} has no record (the panel fills it only for selected scenes): {hint}.</source>
            <translation>A cena {scene_id} não tem registro (o painel só o preenche para as cenas selecionadas): {hint}.</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="224" />
            <source>The “record” of scene {scene_id} is not a JSON object: use a layer made by “Search scenes” or the panel's Scene footprints.</source>
            <translation>O “registro” (record) da cena {scene_id} não é um objeto JSON: use uma camada gerada por “Buscar cenas” ou a camada Contornos das cenas do painel.</translation>
        </message>
        <message>
            <location filename="../services/scene_layer.py" line="227" />
            <source>Scene {scene_id} has no connection: use a layer made by “Search scenes” or the panel's Scene footprints.</source>
            <translation>A cena {scene_id} não tem conexão: use uma camada gerada por “Buscar cenas” ou a camada Contornos das cenas do painel.</translation>
        </message>
        <message>
            <location filename="../tasks/download_task.py" line="68" />
            <source>Downloading {count} files</source>
            <translation>Baixando {count} arquivos</translation>
        </message>
        <message>
            <location filename="../tasks/download_task.py" line="69" />
            <source>Downloading</source>
            <translation>Baixando</translation>
        </message>
        <message>
            <location filename="../tasks/download_task.py" line="71" />
            <source>Downloading {label}</source>
            <translation>Baixando {label}</translation>
        </message>
        <message>
            <location filename="../tasks/download_task.py" line="86" />
            <source>Could not prepare the downloads: {err}</source>
            <translation>Não foi possível preparar os downloads: {err}</translation>
        </message>
        <message>
            <location filename="../tasks/download_task.py" line="136" />
            <source>Download task failed: {error}</source>
            <translation>A tarefa de download falhou: {error}</translation>
        </message>
        <message>
            <location filename="../tasks/download_task.py" line="139" />
            <source>Not downloaded: {problem}</source>
            <translation>Não baixado: {problem}</translation>
        </message>
        <message>
            <location filename="../tasks/download_task.py" line="144" />
            <source>Downloads finished: {parts}</source>
            <translation>Downloads concluídos: {parts}</translation>
        </message>
        <message>
            <location filename="../tasks/download_task.py" line="164" />
            <source>{files_finished} of {files_total} files</source>
            <translation>{files_finished} de {files_total} arquivos</translation>
        </message>
        <message>
            <location filename="../tasks/download_task.py" line="171" />
            <location filename="../ui/downloads_widget.py" line="528" />
            <source>{duration_text} left</source>
            <translation>{duration_text} restantes</translation>
        </message>
        <message>
            <location filename="../tasks/function_task.py" line="38" />
            <source>{description} failed unexpectedly.</source>
            <translation>{description} falhou inesperadamente.</translation>
        </message>
        <message>
            <location filename="../tasks/raster_task.py" line="111" />
            <location filename="../tasks/raster_task.py" line="189" />
            <source>Opening the remote raster failed.</source>
            <translation>Falha ao abrir o raster remoto.</translation>
        </message>
        <message>
            <location filename="../tasks/raster_task.py" line="130" />
            <source>GDAL could not open the asset.</source>
            <translation>O GDAL não conseguiu abrir o recurso.</translation>
        </message>
        <message>
            <location filename="../tasks/raster_task.py" line="132" />
            <source>GDAL could not open the asset (not a raster, or access refused).</source>
            <translation>O GDAL não conseguiu abrir o recurso (não é um raster, ou o acesso foi recusado).</translation>
        </message>
        <message>
            <location filename="../tasks/raster_task.py" line="193" />
            <source>QGIS could not open “{layer_name}” as a raster layer.</source>
            <translation>O QGIS não conseguiu abrir “{layer_name}” como camada raster.</translation>
        </message>
        <message>
            <location filename="../tasks/raster_task.py" line="311" />
            <source>EO Scene Finder: sign {name}</source>
            <translation>EO Scene Finder: assinatura de {name}</translation>
        </message>
        <message>
            <location filename="../tasks/search_task.py" line="91" />
            <source>The search failed unexpectedly.</source>
            <translation>A busca falhou inesperadamente.</translation>
        </message>
        <message>
            <location filename="../ui/aoi.py" line="226" />
            <source>map extent</source>
            <translation>extensão do mapa</translation>
        </message>
        <message>
            <location filename="../ui/aoi.py" line="229" />
            <source>extent of {layer}</source>
            <translation>extensão de {layer}</translation>
        </message>
        <message>
            <location filename="../ui/aoi.py" line="240" />
            <source>{count} selected feature(s) of {layer}</source>
            <translation>{count} feição(ões) selecionada(s) de {layer}</translation>
        </message>
        <message>
            <location filename="../ui/basemap.py" line="19" />
            <source>Countries (Natural Earth, offline)</source>
            <translation>Países (Natural Earth, offline)</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="71" />
            <source>No key set: public access only.</source>
            <translation>Nenhuma chave definida: somente acesso público.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="74" />
            <source>Credentials accepted: the DINAMIS signing service took the API key.</source>
            <translation>Credenciais aceitas: o serviço de assinatura do DINAMIS aceitou a chave de API.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="76" />
            <source>Key set (the service checks it on first use).</source>
            <translation>Chave definida (o serviço a verifica no primeiro uso).</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="79" />
            <source>Credentials accepted: logged in to DINAMIS and the signing service took the token.</source>
            <translation>Credenciais aceitas: login feito no DINAMIS e o serviço de assinatura aceitou o token.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="82" />
            <source>Credentials accepted: logged in to {service}.</source>
            <translation>Credenciais aceitas: login feito em {service}.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="87" />
            <source>“{kind}” is not a catalog kind this version can open.</source>
            <translation>“{kind}” não é um tipo de catálogo que esta versão consegue abrir.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="99" />
            <source>The DINAMIS signing service URL is empty.</source>
            <translation>A URL do serviço de assinatura do DINAMIS está vazia.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="123" />
            <source>EO Scene Finder connections</source>
            <translation>Conexões do EO Scene Finder</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="141" />
            <source>New…</source>
            <translation>Nova…</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="142" />
            <source>Edit…</source>
            <translation>Editar…</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="143" />
            <source>Duplicate</source>
            <translation>Duplicar</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="144" />
            <source>Remove</source>
            <translation>Remover</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="146" />
            <source>Import…</source>
            <translation>Importar…</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="147" />
            <source>Export…</source>
            <translation>Exportar…</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="202" />
            <source>No connection yet: click New… to add one.</source>
            <translation>Nenhuma conexão ainda: clique em Nova… para adicionar uma.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="207" />
            <source>{name}
{url}
The kind “{kind}” is not available in this version: the connection is kept unchanged for a version that has it.</source>
            <translation>{name}
{url}
O tipo “{kind}” não está disponível nesta versão: a conexão é mantida sem alterações para uma versão que o tenha.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="244" />
            <source>Remove connection</source>
            <translation>Remover conexão</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="245" />
            <source>Remove the connection “{name}” and its saved credentials?</source>
            <translation>Remover a conexão “{name}” e suas credenciais salvas?</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="256" />
            <location filename="../ui/connections_dialog.py" line="264" />
            <source>Import connections</source>
            <translation>Importar conexões</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="256" />
            <location filename="../ui/connections_dialog.py" line="273" />
            <source>JSON files (*.json)</source>
            <translation>Arquivos JSON (*.json)</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="267" />
            <source>Imported {count} connection(s). Add their credentials with Edit….</source>
            <translation>{count} conexão(ões) importada(s). Adicione as credenciais com Editar….</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="272" />
            <source>Export connections</source>
            <translation>Exportar conexões</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="279" />
            <source>Exported {count} connection(s) to {file} (without credentials).</source>
            <translation>{count} conexão(ões) exportada(s) para {file} (sem as credenciais).</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="287" />
            <source>No credentials needed.</source>
            <translation>Nenhuma credencial necessária.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="294" />
            <source>Credentials saved in the {label}.</source>
            <translation>Credenciais salvas em: {label}.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="297" />
            <source>Credentials from environment variables ({env}).</source>
            <translation>Credenciais de variáveis de ambiente ({env}).</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="298" />
            <source>No credentials saved.</source>
            <translation>Nenhuma credencial salva.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="326" />
            <source>Edit connection</source>
            <translation>Editar conexão</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="326" />
            <source>New connection</source>
            <translation>Nova conexão</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="333" />
            <source>(choose to fill in everything)</source>
            <translation>(escolha para preencher tudo)</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="337" />
            <source>Start from a preset</source>
            <translation>Começar de uma predefinição</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="340" />
            <location filename="../ui/downloads_widget.py" line="93" />
            <source>Name</source>
            <translation>Nome</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="345" />
            <source>Kind</source>
            <translation>Tipo</translation>
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
            <translation>Assinatura dos recursos</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="362" />
            <source>Results per page</source>
            <translation>Resultados por página</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="366" />
            <source>Catalogue cache</source>
            <translation>Cache do catálogo</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="368" />
            <source>Keep answers on disk for</source>
            <translation>Guardar as respostas em disco por</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="370" />
            <source>Repeating a large search then costs no request.</source>
            <translation>Repetir uma busca grande não custa nenhuma requisição.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="375" />
            <source> h</source>
            <translation> h</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="376" />
            <source>Clear cache</source>
            <translation>Limpar cache</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="385" />
            <source>Endpoints</source>
            <translation>Endpoints</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="389" />
            <source>Credentials</source>
            <translation>Credenciais</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="398" />
            <source>Log in with the browser…</source>
            <translation>Entrar pelo navegador…</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="401" />
            <source>Log out</source>
            <translation>Sair</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="411" />
            <source>Test connection</source>
            <translation>Testar conexão</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="590" />
            <source>Give an API key, or leave it empty and log in with the browser (the login then renews itself for days).</source>
            <translation>Informe uma chave de API, ou deixe em branco e entre pelo navegador (o login se renova sozinho por dias).</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="593" />
            <source>Logged in with the browser.</source>
            <translation>Login feito pelo navegador.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="597" />
            <source>A 6-digit two-factor code is used once: click Test connection to log in with it.</source>
            <translation>Um código de dois fatores de 6 dígitos só vale uma vez: clique em Testar conexão para entrar com ele.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="599" />
            <source>Kept in the OS keyring (or QGIS's authentication database), never in the settings.</source>
            <translation>Guardadas no chaveiro do sistema (ou no banco de dados de autenticação do QGIS), nunca nas configurações.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="601" />
            <source>Headless runs (qgis_process, scripts) can set {env}.</source>
            <translation>Execuções sem interface (qgis_process, scripts) podem definir {env}.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="632" />
            <source>Cache cleared: {removed} stored answers removed.</source>
            <translation>Cache limpo: {removed} respostas guardadas removidas.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="694" />
            <source>✗ The URL is empty.</source>
            <translation>✗ A URL está vazia.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="698" />
            <source>Testing {url}…</source>
            <translation>Testando {url}…</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="706" />
            <source>✗ The test could not run: {exception}</source>
            <translation>✗ Não foi possível executar o teste: {exception}</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="713" />
            <source>Testing connection {name}</source>
            <translation>Testando a conexão {name}</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="731" />
            <source>Waiting for the browser login…</source>
            <translation>Aguardando o login no navegador…</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="741" />
            <source>✗ {text}</source>
            <translation>✗ {text}</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="745" />
            <source>✓ Logged in. Click OK to keep the login.</source>
            <translation>✓ Login feito. Clique em OK para manter o login.</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="748" />
            <source>Logging in to {name}</source>
            <translation>Entrando em {name}</translation>
        </message>
        <message>
            <location filename="../ui/connections_dialog.py" line="765" />
            <source>Logged out.</source>
            <translation>Sessão encerrada.</translation>
        </message>
        <message>
            <location filename="../ui/coverage_widget.py" line="24" />
            <source>Best coverage</source>
            <translation>Melhor cobertura</translation>
        </message>
        <message>
            <location filename="../ui/coverage_widget.py" line="27" />
            <source>Pick the fewest, least cloudy scenes of the results that cover the area of interest (one pass of one date and orbit when it covers enough, for a seamless mosaic).</source>
            <translation>Escolhe nos resultados o menor número de cenas, as menos nubladas, que cobrem a área de interesse (uma só passagem, mesma data e órbita, quando basta: mosaico sem emendas).</translation>
        </message>
        <message>
            <location filename="../ui/coverage_widget.py" line="38" />
            <source>Cover at least</source>
            <translation>Cobrir pelo menos</translation>
        </message>
        <message>
            <location filename="../ui/coverage_widget.py" line="42" />
            <source>no limit</source>
            <translation>sem limite</translation>
        </message>
        <message>
            <location filename="../ui/coverage_widget.py" line="44" />
            <source>With at most</source>
            <translation>Com no máximo</translation>
        </message>
        <message>
            <location filename="../ui/coverage_widget.py" line="82" />
            <source>Add as mosaic</source>
            <translation>Adicionar como mosaico</translation>
        </message>
        <message>
            <location filename="../ui/coverage_widget.py" line="84" />
            <source>Stream the chosen scenes as one virtual mosaic (VRT); nothing is downloaded</source>
            <translation>Transmitir as cenas escolhidas como um mosaico virtual (VRT); nada é baixado</translation>
        </message>
        <message>
            <location filename="../ui/coverage_widget.py" line="86" />
            <location filename="../ui/dock.py" line="137" />
            <location filename="../ui/scene_panel.py" line="85" />
            <source>Download</source>
            <translation>Baixar</translation>
        </message>
        <message>
            <location filename="../ui/coverage_widget.py" line="92" />
            <source>Close</source>
            <translation>Fechar</translation>
        </message>
        <message>
            <location filename="../ui/device_code_dialog.py" line="35" />
            <source>Log in to DINAMIS</source>
            <translation>Entrar no DINAMIS</translation>
        </message>
        <message>
            <location filename="../ui/device_code_dialog.py" line="38" />
            <source>To let EO Scene Finder use “{name}”, open this page, check that it shows the code below and approve the login:</source>
            <translation>Para permitir que o EO Scene Finder use “{name}”, abra esta página, confira se ela mostra o código abaixo e aprove o login:</translation>
        </message>
        <message>
            <location filename="../ui/device_code_dialog.py" line="62" />
            <source>Open in browser</source>
            <translation>Abrir no navegador</translation>
        </message>
        <message>
            <location filename="../ui/device_code_dialog.py" line="65" />
            <source>Copy code</source>
            <translation>Copiar código</translation>
        </message>
        <message>
            <location filename="../ui/device_code_dialog.py" line="95" />
            <source>Waiting for you to approve the login… (the code expires in {m}:{s:02d})</source>
            <translation>Aguardando a sua aprovação do login… (o código expira em {m}:{s:02d})</translation>
        </message>
        <message>
            <location filename="../ui/device_code_dialog.py" line="101" />
            <source>Logged in.</source>
            <translation>Login feito.</translation>
        </message>
        <message>
            <location filename="../ui/device_code_dialog.py" line="107" />
            <source>The code expired before the login was approved. Start the login again.</source>
            <translation>O código expirou antes da aprovação do login. Comece o login de novo.</translation>
        </message>
        <message>
            <location filename="../ui/device_code_dialog.py" line="108" />
            <source>The login was refused in the browser.</source>
            <translation>O login foi recusado no navegador.</translation>
        </message>
        <message>
            <location filename="../ui/device_code_dialog.py" line="109" />
            <source>The login failed: {message}</source>
            <translation>O login falhou: {message}</translation>
        </message>
        <message>
            <location filename="../ui/device_code_dialog.py" line="195" />
            <source>EO Scene Finder — two-factor code</source>
            <translation>EO Scene Finder — código de dois fatores</translation>
        </message>
        <message>
            <location filename="../ui/device_code_dialog.py" line="196" />
            <source>The session of “{name}” ended.
Enter the 6-digit code of your authenticator app to log in again:</source>
            <translation>A sessão de “{name}” terminou.
Digite o código de 6 dígitos do seu aplicativo autenticador para entrar de novo:</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="101" />
            <location filename="../ui/search_panel.py" line="213" />
            <source>Search</source>
            <translation>Buscar</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="132" />
            <source>Filter results by text</source>
            <translation>Filtrar resultados por texto</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="133" />
            <location filename="../ui/scene_panel.py" line="82" />
            <source>Add to map</source>
            <translation>Adicionar ao mapa</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="135" />
            <source>Stream the selected scenes' imagery (COG) without downloading</source>
            <translation>Exibir por streaming as imagens (COG) das cenas selecionadas, sem baixar</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="143" />
            <source>Best coverage of the area, source preference</source>
            <translation>Melhor cobertura da área, preferência de fonte</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="214" />
            <source>Scene</source>
            <translation>Cena</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="223" />
            <source>Downloads</source>
            <translation>Downloads</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="256" />
            <location filename="../ui/dock.py" line="292" />
            <source>Could not read saved connections: {err}</source>
            <translation>Não foi possível ler as conexões salvas: {err}</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="328" />
            <source>Loading collections of {cid}…</source>
            <translation>Carregando as coleções de {cid}…</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="335" />
            <source>EO Scene Finder: collections of {cid}</source>
            <translation>EO Scene Finder: coleções de {cid}</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="343" />
            <source>Loading collections failed</source>
            <translation>Falha ao carregar as coleções</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="347" />
            <source>{count} collections on {cid}.</source>
            <translation>{count} coleções em {cid}.</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="366" />
            <source>EO Scene Finder: queryables of {cid}</source>
            <translation>EO Scene Finder: atributos consultáveis de {cid}</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="389" />
            <source>Choose a connection first.</source>
            <translation>Escolha uma conexão primeiro.</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="442" />
            <source>all collections</source>
            <translation>todas as coleções</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="443" />
            <source>Also searching: {catalogs}</source>
            <translation>Buscando também: {catalogs}</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="444" />
            <source>Each other catalog is searched with the equivalent of the collections checked here (an id it has no equivalent for is searched as it is).</source>
            <translation>Cada outro catálogo é consultado com o equivalente das coleções marcadas aqui (um id sem equivalente conhecido é buscado como está).</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="452" />
            <location filename="../ui/search_panel.py" line="224" />
            <source>One row per scene with the catalogs that hold it; off: one row per catalog</source>
            <translation>Uma linha por cena com os catálogos que a contêm; desligado: uma linha por catálogo</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="453" />
            <source>Check other catalogs (+) to search several at once: the same scene is then grouped</source>
            <translation>Marque outros catálogos (+) para buscar em vários ao mesmo tempo: a mesma cena é então agrupada</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="477" />
            <source>{label}: {message}</source>
            <translation>{label}: {message}</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="505" />
            <source>{count} scenes; {name} is on the map.</source>
            <translation>{count} cenas; {name} está no mapa.</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="607" />
            <source>Zoom to scene</source>
            <translation>Aproximar para a cena</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="608" />
            <source>Add {scenes} scene(s) to map</source>
            <translation>Adicionar {scenes} cena(s) ao mapa</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="609" />
            <source>Download {scenes} scene(s)</source>
            <translation>Baixar {scenes} cena(s)</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="610" />
            <source>Copy scene id(s)</source>
            <translation>Copiar id(s) da(s) cena(s)</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="619" />
            <source>Best coverage…</source>
            <translation>Melhor cobertura…</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="621" />
            <source>Source preference…</source>
            <translation>Preferência de fonte…</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="655" />
            <source>Download to folder</source>
            <translation>Baixar para a pasta</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="700" />
            <source>{count} scenes.</source>
            <translation>{count} cenas.</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="706" />
            <source>{shown} of {count} scenes, {first} to {last} (double-click the timeline for every date).</source>
            <translation>{shown} de {count} cenas, de {first} a {last} (clique duas vezes na linha do tempo para ver todas as datas).</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="721" />
            <location filename="../ui/results_model.py" line="58" />
            <source>Cloud %</source>
            <translation>Nuvens %</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="744" />
            <source>Reset columns</source>
            <translation>Restaurar colunas</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="777" />
            <source>The map is empty: add a basemap?</source>
            <translation>O mapa está vazio: adicionar um mapa base?</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="781" />
            <source>Countries</source>
            <translation>Países</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="781" />
            <source>Natural Earth country borders, bundled: works offline</source>
            <translation>Fronteiras dos países Natural Earth, incluídas no complemento: funciona offline</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="782" />
            <source>OpenStreetMap tiles (needs the internet)</source>
            <translation>Tiles do OpenStreetMap (precisa de internet)</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="791" />
            <source>Not now</source>
            <translation>Agora não</translation>
        </message>
        <message>
            <location filename="../ui/dock.py" line="815" />
            <source>The basemap could not be opened.</source>
            <translation>Não foi possível abrir o mapa base.</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="67" />
            <location filename="../ui/downloads_widget.py" line="511" />
            <source>downloading</source>
            <translation>baixando</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="67" />
            <source>downloading {pct} %</source>
            <translation>baixando {pct} %</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="70" />
            <source>verifying</source>
            <translation>verificando</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="73" />
            <source>done, not verified (no checksum published)</source>
            <translation>concluído, não verificado (nenhum checksum publicado)</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="74" />
            <location filename="../ui/downloads_widget.py" line="511" />
            <source>done</source>
            <translation>concluído</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="76" />
            <source>skipped: already present</source>
            <translation>ignorado: já presente</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="78" />
            <source>failed: {message}</source>
            <translation>falhou: {message}</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="80" />
            <source>offline: {message}</source>
            <translation>offline: {message}</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="81" />
            <source>offline (in the long-term archive)</source>
            <translation>offline (no arquivo de longo prazo)</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="83" />
            <source>not verified: {message}</source>
            <translation>não verificado: {message}</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="85" />
            <source>cancelled (partial file kept)</source>
            <translation>cancelado (arquivo parcial mantido)</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="85" />
            <location filename="../ui/downloads_widget.py" line="514" />
            <source>cancelled</source>
            <translation>cancelado</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="86" />
            <location filename="../ui/downloads_widget.py" line="511" />
            <source>queued</source>
            <translation>na fila</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="93" />
            <source>State</source>
            <translation>Estado</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="93" />
            <source>Progress</source>
            <translation>Progresso</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="93" />
            <source>Size</source>
            <translation>Tamanho</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="93" />
            <source>Speed</source>
            <translation>Velocidade</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="94" />
            <source>Time left</source>
            <translation>Tempo restante</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="94" />
            <source>File</source>
            <translation>Arquivo</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="309" />
            <location filename="../ui/downloads_widget.py" line="504" />
            <source>No downloads yet.</source>
            <translation>Nenhum download ainda.</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="312" />
            <source>Cancel selected</source>
            <translation>Cancelar selecionados</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="313" />
            <source>Cancel all</source>
            <translation>Cancelar todos</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="314" />
            <source>Clear finished</source>
            <translation>Limpar concluídos</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="315" />
            <source>Open folder</source>
            <translation>Abrir pasta</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="316" />
            <source>Unpack archives</source>
            <translation>Descompactar arquivos</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="318" />
            <source>Extract product archives (.zip) next to them once verified</source>
            <translation>Extrair os arquivos dos produtos (.zip) ao lado deles depois de verificados</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="319" />
            <source>Stop the selected downloads; partial files are kept and resume next time</source>
            <translation>Parar os downloads selecionados; os arquivos parciais são mantidos e retomados da próxima vez</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="321" />
            <source>Stop every running download; partial files are kept</source>
            <translation>Parar todos os downloads em andamento; os arquivos parciais são mantidos</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="377" />
            <source>Resume</source>
            <translation>Retomar</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="380" />
            <source>Forget</source>
            <translation>Esquecer</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="382" />
            <source>Do not resume them (their partial files stay in the folder)</source>
            <translation>Não retomá-los (os arquivos parciais permanecem na pasta)</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="388" />
            <source>Downloads of {count} scene(s) were interrupted when QGIS last closed; they resume where they stopped.</source>
            <translation>Os downloads de {count} cena(s) foram interrompidos quando o QGIS foi fechado pela última vez; eles continuam de onde pararam.</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="418" />
            <source>Resuming {label}</source>
            <translation>Retomando {label}</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="450" />
            <source>Downloading {count} scenes</source>
            <translation>Baixando {count} cenas</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="451" />
            <source>Downloading {scene}</source>
            <translation>Baixando {scene}</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="502" />
            <source>Not downloaded: {problems}</source>
            <translation>Não baixado: {problems}</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="512" />
            <source>already present</source>
            <translation>já presente</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="512" />
            <source>not verified</source>
            <translation>não verificado</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="512" />
            <source>failed</source>
            <translation>falhou</translation>
        </message>
        <message>
            <location filename="../ui/downloads_widget.py" line="513" />
            <source>offline</source>
            <translation>offline</translation>
        </message>
        <message>
            <location filename="../ui/footprints.py" line="24" />
            <source>Scene footprints</source>
            <translation>Contornos das cenas</translation>
        </message>
        <message>
            <location filename="../ui/grouped_model.py" line="62" />
            <source>Sources</source>
            <translation>Fontes</translation>
        </message>
        <message>
            <location filename="../ui/grouped_model.py" line="74" />
            <source>{count} sources, {name} forced</source>
            <translation>{count} fontes, {name} escolhida</translation>
        </message>
        <message>
            <location filename="../ui/grouped_model.py" line="75" />
            <source>{count} sources</source>
            <translation>{count} fontes</translation>
        </message>
        <message>
            <location filename="../ui/results_model.py" line="58" />
            <source>Date</source>
            <translation>Data</translation>
        </message>
        <message>
            <location filename="../ui/results_model.py" line="58" />
            <source>Collection</source>
            <translation>Coleção</translation>
        </message>
        <message>
            <location filename="../ui/results_model.py" line="58" />
            <source>ID</source>
            <translation>ID</translation>
        </message>
        <message>
            <location filename="../ui/results_model.py" line="58" />
            <source>Platform</source>
            <translation>Plataforma</translation>
        </message>
        <message>
            <location filename="../ui/results_model.py" line="59" />
            <source>Thumbnail</source>
            <translation>Miniatura</translation>
        </message>
        <message>
            <location filename="../ui/results_model.py" line="121" />
            <location filename="../ui/scene_panel.py" line="116" />
            <source>Scene key: {key}</source>
            <translation>Chave da cena: {key}</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="96" />
            <source>Source: by your preference.</source>
            <translation>Fonte: pela sua preferência.</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="106" />
            <source>Use source</source>
            <translation>Usar a fonte</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="108" />
            <source>Automatic (by preference)</source>
            <translation>Automática (pela preferência)</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="126" />
            <source>Sources are chosen by: {rule}.</source>
            <translation>As fontes são escolhidas por: {rule}.</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="157" />
            <source>{id} has no Cloud Optimized GeoTIFF asset to stream.</source>
            <translation>{id} não tem recurso Cloud Optimized GeoTIFF para exibir por streaming.</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="158" />
            <source>The chosen source of {id} has no asset “{key}”.</source>
            <translation>A fonte escolhida de {id} não tem o asset “{key}”.</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="163" />
            <source>EO Scene Finder: open {id} {key}</source>
            <translation>EO Scene Finder: abrindo {id} {key}</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="170" />
            <source>Could not add {id} {key}</source>
            <translation>Não foi possível adicionar {id} {key}</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="178" />
            <source>Added {name} to the map from {source} ({first} failed).</source>
            <translation>{name} adicionado ao mapa a partir de {source} ({first} falhou).</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="181" />
            <source>Added {name} to the map.</source>
            <translation>{name} adicionada ao mapa.</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="217" />
            <source>nothing could be downloaded</source>
            <translation>nada pôde ser baixado</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="218" />
            <source>{source} failed ({reason}): trying {next}</source>
            <translation>{source} falhou ({reason}): tentando {next}</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="256" />
            <source>Best coverage needs an area of interest: draw one (or take the map extent) and search, then try again.</source>
            <translation>A melhor cobertura precisa de uma área de interesse: desenhe uma (ou use a extensão do mapa) e pesquise, depois tente de novo.</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="261" />
            <source>Best coverage needs search results with footprints: search first.</source>
            <translation>A melhor cobertura precisa de resultados com footprints: pesquise primeiro.</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="284" />
            <source>EO Scene Finder: best coverage</source>
            <translation>EO Scene Finder: melhor cobertura</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="288" />
            <source>Choosing the scenes that cover the area…</source>
            <translation>Escolhendo as cenas que cobrem a área…</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="312" />
            <source>Best coverage: {count} scenes selected.</source>
            <translation>Melhor cobertura: {count} cenas selecionadas.</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="341" />
            <source>No mosaic: {ids} has no Cloud Optimized GeoTIFF to stream.</source>
            <translation>Sem mosaico: {ids} não tem Cloud Optimized GeoTIFF para transmitir.</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="342" />
            <source>Run Best coverage first.</source>
            <translation>Execute Melhor cobertura primeiro.</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="345" />
            <source>Mosaic of {count} scenes · {asset}</source>
            <translation>Mosaico de {count} cenas · {asset}</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="372" />
            <source>EO Scene Finder: mosaic of {count} scenes</source>
            <translation>EO Scene Finder: mosaico de {count} cenas</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="376" />
            <source>Added {name} to the map (streamed).</source>
            <translation>{name} adicionado ao mapa (transmitido).</translation>
        </message>
        <message>
            <location filename="../ui/scene_actions.py" line="378" />
            <source>Could not build the mosaic</source>
            <translation>Não foi possível montar o mosaico</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="55" />
            <location filename="../ui/scene_panel.py" line="114" />
            <source>Select a scene in the results.</source>
            <translation>Selecione uma cena nos resultados.</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="74" />
            <source>Assets</source>
            <translation>Recursos</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="78" />
            <source>Asset</source>
            <translation>Recurso</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="78" />
            <source>Type</source>
            <translation>Tipo</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="78" />
            <source>Roles</source>
            <translation>Papéis</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="88" />
            <source>Copy link</source>
            <translation>Copiar link</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="95" />
            <source>Properties</source>
            <translation>Propriedades</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="99" />
            <source>Property</source>
            <translation>Propriedade</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="99" />
            <source>Value</source>
            <translation>Valor</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="99" />
            <source>Source</source>
            <translation>Fonte</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="117" />
            <source>cloud {cloud:.1f} %</source>
            <translation>nuvens {cloud:.1f} %</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="136" />
            <source>Sources: {names}</source>
            <translation>Fontes: {names}</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="156" />
            <source>No quicklook</source>
            <translation>Sem pré-visualização</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="162" />
            <source>Loading quicklook…</source>
            <translation>Carregando a pré-visualização…</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="170" />
            <source>EO Scene Finder: quicklook {id}</source>
            <translation>EO Scene Finder: pré-visualização de {id}</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="178" />
            <source>Quicklook unavailable: {reason}</source>
            <translation>Pré-visualização indisponível: {reason}</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="179" />
            <source>Quicklook unavailable</source>
            <translation>Pré-visualização indisponível</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="185" />
            <source>Quicklook is not an image</source>
            <translation>A pré-visualização não é uma imagem</translation>
        </message>
        <message>
            <location filename="../ui/scene_panel.py" line="214" />
            <source>Copied the link of {asset} (unsigned; streaming signs it on use).</source>
            <translation>Link de {asset} copiado (sem assinatura; o streaming o assina ao usar).</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="111" />
            <source>EO Scene Finder: search {label}</source>
            <translation>EO Scene Finder: busca em {label}</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="118" />
            <source>Searching {label}…</source>
            <translation>Buscando em {label}…</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="187" />
            <source> — more are loading…</source>
            <translation> — mais cenas chegando…</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="189" />
            <source>{count} scenes{details}</source>
            <translation>{count} cenas{details}</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="212" />
            <source>{received} of {total} scenes</source>
            <translation>{received} de {total} cenas</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="253" />
            <source>Search failed after {count} scenes</source>
            <translation>A busca falhou após {count} cenas</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="254" />
            <source>Search failed</source>
            <translation>A busca falhou</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="258" />
            <source>Search cancelled: {count} scenes (more exist on the server)</source>
            <translation>Busca cancelada: {count} cenas (há mais no servidor)</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="259" />
            <source>Search cancelled: {count} scenes</source>
            <translation>Busca cancelada: {count} cenas</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="263" />
            <source> (stopped at your cap of {limit}; more exist on the server)</source>
            <translation> (parou no seu limite de {limit}; há mais no servidor)</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="265" />
            <source> of {matched} matching</source>
            <translation> de {matched} correspondentes</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="273" />
            <source> — {count} document(s) could not be read</source>
            <translation> — {count} documento(s) não puderam ser lidos</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="275" />
            <source>{count} scenes{details}.</source>
            <translation>{count} cenas{details}.</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="276" />
            <source>No scene matches these filters.</source>
            <translation>Nenhuma cena corresponde a estes filtros.</translation>
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
            <translation>{label} falhou: {message}</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="295" />
            <source>{label} {count} (cancelled)</source>
            <translation>{label} {count} (cancelada)</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="297" />
            <source>{label} {count} ✓</source>
            <translation>{label} {count} ✓</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="316" />
            <source>Search cancelled: {count} scenes from {catalogs} catalogs</source>
            <translation>Busca cancelada: {count} cenas de {catalogs} catálogos</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="318" />
            <source>{count} scenes from {catalogs} catalogs</source>
            <translation>{count} cenas de {catalogs} catálogos</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="320" />
            <source> ({failed} failed: {names})</source>
            <translation> ({failed} com falha: {names})</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="332" />
            <source> (cancelled)</source>
            <translation> (cancelada)</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="334" />
            <source> (capped)</source>
            <translation> (limitada)</translation>
        </message>
        <message>
            <location filename="../ui/search_controller.py" line="335" />
            <source>{label} {count} ✓{tail}</source>
            <translation>{label} {count} ✓{tail}</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="25" />
            <source>Newest first</source>
            <translation>Mais recentes primeiro</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="26" />
            <source>Oldest first</source>
            <translation>Mais antigas primeiro</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="27" />
            <source>Least cloudy first</source>
            <translation>Menos nubladas primeiro</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="28" />
            <source>Server order</source>
            <translation>Ordem do servidor</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="73" />
            <source>Manage connections</source>
            <translation>Gerenciar conexões</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="79" />
            <source>Search other catalogs at the same time</source>
            <translation>Buscar em outros catálogos ao mesmo tempo</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="100" />
            <source>Filter collections (Enter searches the server)</source>
            <translation>Filtrar coleções (Enter busca no servidor)</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="105" />
            <source>Reload the collections</source>
            <translation>Recarregar as coleções</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="117" />
            <source>Collections</source>
            <translation>Coleções</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="122" />
            <source>Draw a rectangle on the map</source>
            <translation>Desenhar um retângulo no mapa</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="123" />
            <source>Draw a polygon (right-click or double-click to finish)</source>
            <translation>Desenhar um polígono (clique com o botão direito ou clique duplo para terminar)</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="124" />
            <source>Map</source>
            <translation>Mapa</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="124" />
            <source>Use the current map extent</source>
            <translation>Usar a extensão atual do mapa</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="125" />
            <source>Layer</source>
            <translation>Camada</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="125" />
            <source>Use the extent of the active layer</source>
            <translation>Usar a extensão da camada ativa</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="126" />
            <source>Selected</source>
            <translation>Seleção</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="126" />
            <source>Use the selected features of the active layer (their union)</source>
            <translation>Usar as feições selecionadas da camada ativa (a união delas)</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="128" />
            <source>Clear the area of interest (search everywhere)</source>
            <translation>Limpar a área de interesse (buscar em todo lugar)</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="139" />
            <location filename="../ui/search_panel.py" line="537" />
            <source>No area: the whole world</source>
            <translation>Sem área: o mundo inteiro</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="142" />
            <location filename="../ui/search_panel.py" line="540" />
            <source>Area</source>
            <translation>Área</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="146" />
            <source>Filter by acquisition date (end date included)</source>
            <translation>Filtrar pela data de aquisição (data final incluída)</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="164" />
            <source>Dates</source>
            <translation>Datas</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="177" />
            <source>Max cloud</source>
            <translation>Nuvens máx.</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="181" />
            <source>CQL2, e.g. platform = 'landsat-8' AND view:sun_elevation &gt; 30</source>
            <translation>CQL2, por ex. platform = 'landsat-8' AND view:sun_elevation &gt; 30</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="185" />
            <source>Filter</source>
            <translation>Filtro</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="188" />
            <source>Attributes</source>
            <translation>Atributos</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="205" />
            <source>all</source>
            <translation>todas</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="206" />
            <source>At most this many scenes (0 = all)</source>
            <translation>No máximo este número de cenas (0 = todas)</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="208" />
            <source>max</source>
            <translation>máx.</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="210" />
            <source>Sort</source>
            <translation>Ordem</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="217" />
            <source>Cancel</source>
            <translation>Cancelar</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="223" />
            <source>Group same scenes</source>
            <translation>Agrupar as mesmas cenas</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="237" />
            <source>Details…</source>
            <translation>Detalhes…</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="311" />
            <source>Also search:</source>
            <translation>Buscar também:</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="332" />
            <source>+{count}</source>
            <translation>+{count}</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="367" />
            <source>Properties you can filter on: {names}</source>
            <translation>Propriedades para filtrar: {names}</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="481" />
            <location filename="../ui/search_panel.py" line="488" />
            <location filename="../ui/search_panel.py" line="544" />
            <source>any</source>
            <translation>qualquer</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="488" />
            <source>any (a number)</source>
            <translation>qualquer (um número)</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="523" />
            <source>Select a layer in the Layers panel first.</source>
            <translation>Selecione primeiro uma camada no painel Camadas.</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="530" />
            <source>Select a vector layer with selected polygons first.</source>
            <translation>Selecione primeiro uma camada vetorial com polígonos selecionados.</translation>
        </message>
        <message>
            <location filename="../ui/search_panel.py" line="533" />
            <source>“{name}” has no selected polygon features.</source>
            <translation>“{name}” não tem polígonos selecionados.</translation>
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
            <translation>Fonte: {connection} (escolhida por você para esta cena)</translation>
        </message>
        <message>
            <location filename="../ui/source_choice.py" line="96" />
            <source>Source: {why}</source>
            <translation>Fonte: {why}</translation>
        </message>
        <message>
            <location filename="../ui/source_choice.py" line="104" />
            <source>Source preference</source>
            <translation>Preferência de fonte</translation>
        </message>
        <message>
            <location filename="../ui/source_choice.py" line="107" />
            <source>When a scene is in several catalogs, Add to map and Download use the source that wins on the first criterion below, then the next one… If it fails, the next source is tried.</source>
            <translation>Quando uma cena está em vários catálogos, Adicionar ao mapa e Baixar usam a fonte que vence no primeiro critério abaixo, depois no seguinte… Se ela falhar, a fonte seguinte é tentada.</translation>
        </message>
        <message>
            <location filename="../ui/source_choice.py" line="120" />
            <source>Up</source>
            <translation>Subir</translation>
        </message>
        <message>
            <location filename="../ui/source_choice.py" line="123" />
            <source>Down</source>
            <translation>Descer</translation>
        </message>
        <message>
            <location filename="../ui/source_choice.py" line="126" />
            <source>Default</source>
            <translation>Padrão</translation>
        </message>
        <message>
            <location filename="../ui/thumbnails.py" line="79" />
            <source>EO Scene Finder: thumbnail {id}</source>
            <translation>EO Scene Finder: miniatura de {id}</translation>
        </message>
        <message>
            <location filename="../ui/timeline.py" line="95" />
            <source>Scenes over time. Drag to keep one period in the table and on the map; double-click to show every date again.</source>
            <translation>Cenas ao longo do tempo. Arraste para manter um período na tabela e no mapa; clique duas vezes para mostrar todas as datas de novo.</translation>
        </message>
        <message>
            <location filename="../ui/timeline.py" line="205" />
            <source>Scenes over time appear here</source>
            <translation>A distribuição das cenas no tempo aparece aqui</translation>
        </message>
        <message>
            <location filename="../ui/timeline.py" line="237" />
            <source>{count} scenes per month</source>
            <translation>{count} cenas por mês</translation>
        </message>
        <message>
            <location filename="../ui/timeline.py" line="239" />
            <source>{count} scenes per week</source>
            <translation>{count} cenas por semana</translation>
        </message>
        <message>
            <location filename="../ui/timeline.py" line="240" />
            <source>{count} scenes per day</source>
            <translation>{count} cenas por dia</translation>
        </message>
        <message>
            <source>GDAL could not open {scene_id} {asset_key}: {err}</source>
            <translation type="vanished">O GDAL não conseguiu abrir {scene_id} {asset_key}: {err}</translation>
        </message>
        <message>
            <source>Searches a catalog and writes one polygon per scene (EPSG:4326) with its id, collection, date, cloud cover, platform, assets and full record, so Download, Mosaic and Export can work from the layer alone.

CONNECTION: a saved connection's name, a preset id (earth-search, planetary-computer, dinamis, isdeform, cdse, demo…), a STAC API or static catalog URL/path, or KIND+URL?option=… . Dates are inclusive whole days (UTC) or ISO datetimes. SORTBY: fields separated by commas, '-' for descending (e.g. -datetime,eo:cloud_cover). LIMIT 0 = all results. IDS: scene or product ids, comma-separated (the only way into a bucket without an area).</source>
            <translation type="vanished">Busca em um catálogo e grava um polígono por cena (EPSG:4326) com seu id, coleção, data, cobertura de nuvens, plataforma, recursos e registro completo, para que Baixar, Mosaico e Exportar funcionem só com a camada.

CONNECTION: o nome de uma conexão salva, o id de uma predefinição (earth-search, planetary-computer, dinamis, isdeform, cdse, demo…), a URL ou o caminho de uma API STAC ou de um catálogo estático, ou TIPO+URL?opção=… . As datas são dias inteiros inclusivos (UTC) ou data-horas ISO. SORTBY: campos separados por vírgulas, '-' para ordem decrescente (por ex. -datetime,eo:cloud_cover). LIMIT 0 = todos os resultados. IDS: identificadores de cenas ou produtos, separados por vírgulas (a única forma de acessar um bucket sem uma área).</translation>
        </message>
        <message>
            <source>Searches a catalog and writes one polygon per scene (EPSG:4326) with its id, collection, date, cloud cover, platform, assets and full record, so Download, Mosaic and Export can work from the layer alone.

CONNECTION: a saved connection's name, a preset id (earth-search, planetary-computer, dinamis, isdeform, cdse, demo…), a STAC API or static catalog URL/path, or KIND+URL?option=… . Dates are inclusive whole days (UTC) or ISO datetimes. SORTBY: fields separated by commas, '-' for descending (e.g. -datetime,eo:cloud_cover). LIMIT 0 = all results.</source>
            <translation type="vanished">Busca em um catálogo e grava um polígono por cena (EPSG:4326) com seu id, coleção, data, cobertura de nuvens, plataforma, recursos e registro completo, para que Baixar, Mosaico e Exportar funcionem só com a camada.

CONNECTION: o nome de uma conexão salva, o id de uma predefinição (earth-search, planetary-computer, dinamis, isdeform, cdse, demo…), a URL ou o caminho de uma API STAC ou de um catálogo estático, ou TIPO+URL?opção=… . As datas são dias inteiros inclusivos (UTC) ou data-horas ISO. SORTBY: campos separados por vírgulas, '-' para ordem decrescente (por ex. -datetime,eo:cloud_cover). LIMIT 0 = todos os resultados.</translation>
        </message>
    </context>
</TS>
